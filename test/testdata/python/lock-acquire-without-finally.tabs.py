"""A tab-indented module: fixes indent with a tab and leave multi-line strings alone."""
import threading

lock = threading.Lock()


class Store:
	def save(self, db, rows):
		for row in rows:
			lock.acquire()  # want PY103
			db.execute("""INSERT INTO t
  VALUES (?)""", row)
			lock.release()
