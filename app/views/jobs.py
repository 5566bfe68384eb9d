"""The background jobs screen (Admin): queued, running, scheduled and failed jobs with their
error, the workers and the cron scheduler, the last sweeps; requeue a failed job, sweep now.

An FAB view rather than rq-dashboard: it sits behind SafeLoop's own login and permissions,
speaks Chinese, needs no second web process, and can show the sweeps from the database next
to the jobs from Redis. When Redis is down the screen says so and the rest of the app works.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext, lazy_gettext

from app.models import DeadlineSweep
from app.services import background
from app.services.transaction import session


class BackgroundJobsView(BaseView):
    """``/jobs/``: what the workers are doing and what went wrong."""

    route_base = "/jobs"
    default_view = "list"
    class_permission_name = "BackgroundJobs"

    @expose("/")
    @has_access
    def list(self) -> Any:
        overview = None
        problem = ""
        try:
            overview = background.overview()
        except background.BackgroundUnavailable as exc:
            problem = str(exc)
        sweeps = session().scalars(
            sa.select(DeadlineSweep).order_by(DeadlineSweep.started_at.desc()).limit(20)
        )
        return self.render_template(
            "jobs/list.html",
            overview=overview,
            problem=problem,
            redis_url=background.redis_url(),
            sweeps=list(sweeps),
        )

    @expose("/sweep", methods=["POST"])
    @has_access
    def sweep_now(self) -> Any:
        from app.jobs import sweep_deadlines

        job = background.enqueue(sweep_deadlines)
        if job is None:
            flash(gettext("Not queued: the job server (Redis) cannot be reached."), "danger")
        else:
            flash(gettext("Deadline sweep queued (job %(id)s).", id=job.id), "info")
        return redirect(url_for("BackgroundJobsView.list"))

    @expose("/requeue", methods=["POST"])
    @has_access
    def requeue(self) -> Any:
        job_id = request.form.get("job_id", "")
        try:
            done = background.requeue_failed(job_id)
        except background.BackgroundUnavailable:
            done = False
        if done:
            flash(gettext("Job %(id)s queued again.", id=job_id), "info")
        else:
            flash(gettext("Job %(id)s could not be queued again.", id=job_id), "danger")
        return redirect(url_for("BackgroundJobsView.list"))


def register(appbuilder: AppBuilder) -> None:
    """Add the background jobs screen to the Security menu (Admin only)."""
    appbuilder.add_view(
        BackgroundJobsView,
        "Background jobs",
        label=lazy_gettext("Background jobs"),
        icon="fa-cogs",
        category="Security",
    )
