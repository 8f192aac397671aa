"""Must NOT trigger: uvicorn owns the signals."""
import uvicorn


def app(scope):
    return scope


if __name__ == "__main__":
    while True:
        uvicorn.run(app)
