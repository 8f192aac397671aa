import json


def load_rules(path):
    f = open(path)
    rules = []
    for row in f:
        rules.append(json.loads(row))
    f.close()
    return rules
