"""The file already imports closing from contextlib, and indents with two spaces."""
from contextlib import closing
import ftplib
import sqlite3


def upload(host, path):
  ftp = ftplib.FTP(host)  # want PY201 "resource"
  ftp.login()
  with open(path, "rb") as fh:
    ftp.storbinary("STOR " + path, fh)
  ftp.close()


def vacuum(db_path):
  conn = sqlite3.connect(db_path)  # want PY201
  conn.execute("VACUUM")
  conn.close()
