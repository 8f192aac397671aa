def load_rules(path):
    rules = []
    f = open(path, encoding="utf-8")
    for row in f:
        rules.append(row.strip())
    f.close()
    return rules
