"""A job module no test opens: its problems come from the workspace analysis."""


def retry(job):
    try:
        job.run()
    except:
        pass
