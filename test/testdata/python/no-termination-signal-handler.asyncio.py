"""Must NOT trigger: asyncio.run with add_signal_handler for SIGTERM."""
import asyncio
import signal


async def main():
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    await done.wait()


if __name__ == "__main__":
    asyncio.run(main())
