"""Ships log lines to the collector."""

import json


def load_rules(path):
    f = open(path)
    rules = []
    for row in f:
        rules.append(json.loads(row))
    f.close()
    return rules


def write_line(logfile, line):
    try:
        logfile.write(line + "\n")
    except:
        pass
