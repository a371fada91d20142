"""The gunicorn worker Casetrack serves with (gunicorn.conf.py): gunicorn's threaded worker,
collecting garbage once it has let go of each request (core.collector).

``handle`` serves one request of a connection; when it returns, the request, the response
and everything they reached are unreferenced, and what they left in reference cycles is
young garbage that a collection of the young generation frees instead of promoting.
"""

from gunicorn.workers.gthread import ThreadWorker

from core import collector as out_of_band


class CollectingThreadWorker(ThreadWorker):
    collector: out_of_band.OutOfBandCollector | None = None

    def load_wsgi(self):
        super().load_wsgi()
        # config.wsgi installed the collector while it loaded: from now on this worker runs it.
        self.collector = out_of_band.installed()
        if self.collector is not None:
            self.collector.deferred = True

    def handle(self, conn):
        try:
            return super().handle(conn)
        finally:
            if self.collector is not None:
                self.collector.collect_pending()
