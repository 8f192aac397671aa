import threading

state_lock = threading.Lock()
state = {}

state_lock.acquire()  # want PY103
state["ready"] = load_state = dict(a=1)
state_lock.release()
