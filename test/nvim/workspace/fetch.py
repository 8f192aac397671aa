"""Fetches the price list."""
import requests


def prices(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()
