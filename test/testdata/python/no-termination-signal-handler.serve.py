"""A small HTTP server run as a script."""
import http.server


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(204)
        self.end_headers()


# want PY402 "its main code serves forever"
if __name__ == "__main__":
    http.server.HTTPServer(("", 8000), Handler).serve_forever()
