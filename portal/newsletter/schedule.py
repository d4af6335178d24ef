"""What `manage.py newsletter send-due` runs before it delivers the outbox.

The newsletter is the site core and knows no search or content: an app whose emails fall
due on a schedule (search alerts' digests, search/alerts) registers a job from its
AppConfig.ready(). A job takes the time to act as of and queues emails in the outbox with
one key per recipient and update, so running it twice, or again after a crash, queues
nothing twice. It returns how many emails it queued.
"""

_jobs = {}


def register(name, job):
    """Run `job(now)` on every send-due (one job per name: registering again replaces it)."""
    _jobs[name] = job


def jobs():
    return dict(_jobs)


def run_due(now):
    """{name: emails queued} for every registered job."""
    return {name: job(now) for name, job in _jobs.items()}
