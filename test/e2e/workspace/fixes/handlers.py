def write_line(logfile, line):
    try:
        logfile.write(line + "\n")
    except:
        pass
