"""/leads/import/ (DESIGN §11): upload an edited export → a preview of every change and every refused row → apply.

The preview writes nothing: the planned rows wait in the cache under a random token, in a key that names the user,
so another person (or another organisation) can neither see nor apply them. Apply runs each row alone through the
same services as the lead page (leads.services.bulk) and reports every row, on the page and as CSV.
"""

import csv
import io
import secrets

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leads.services import leads_bulk_run
from leads.web.export import FORMULA_STARTS
from leads.web.import_csv import MAX_BYTES, ImportRefused, plan_rows, read_rows

KEEP_SECONDS = 60 * 60  # a preview (and then its results) waits an hour
TEMPLATE = "leads/import.html"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("The export of a tab, edited: at most 1,000 rows and 2 MB."),
    )


def _key(request, kind: str, token: str) -> str:
    return f"leads-import:{kind}:{request.user.pk}:{token}"


def _valid_token(token: str) -> bool:
    return 16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


@require_http_methods(["GET", "POST"])
@login_required
def lead_import(request):
    if request.method == "GET":
        return render(request, TEMPLATE, {"form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=422)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_BYTES:
            raise ImportRefused(_("The file is larger than 2 MB. Import at most 1,000 rows at a time."))
        plans = plan_rows(request.user, read_rows(upload.read()))
    except ImportRefused as exc:
        form.add_error("file", str(exc))
        return render(request, TEMPLATE, {"form": form}, status=422)
    token = secrets.token_urlsafe(24)
    cache.set(_key(request, "preview", token), plans, KEEP_SECONDS)
    return render(request, TEMPLATE, {"preview": plans, "token": token, **_counts(plans)})


def _counts(plans) -> dict:
    return {kind: sum(plan.outcome == kind for plan in plans) for kind in ("change", "unchanged", "refused")}


@require_POST
@login_required
def lead_import_apply(request, token: str):
    key = _key(request, "preview", token)
    plans = cache.get(key) if _valid_token(token) else None
    if plans is None:
        raise Http404(_("This preview has expired or was applied already. Upload the file again."))
    cache.delete(key)  # applied once: a second click (or a replay) finds nothing
    changing = [plan for plan in plans if plan.outcome == "change"]
    outcomes = dict(
        zip(
            (id(plan) for plan in changing),
            leads_bulk_run(by=request.user, items=[(plan.lead_id, plan.steps, plan.version) for plan in changing]),
        )
    )
    results = []
    for plan in plans:
        row = {"line": plan.line, "id": plan.lead_id, "company": plan.company, "changes": plan.changes}
        if plan.outcome == "refused":
            row.update(result="refused", message=plan.reason)
        elif plan.outcome == "unchanged":
            row.update(result="unchanged", message="")
        else:
            outcome = outcomes[id(plan)]
            if outcome.ok:
                row.update(result="applied", message="")
            elif outcome.status == 412:
                row.update(result="failed", message=_("Changed by someone since the preview: nothing was written."))
            else:
                row.update(result="failed", message=outcome.error)
        results.append(row)
    cache.set(_key(request, "results", token), results, KEEP_SECONDS)
    counts = {
        kind: sum(row["result"] == kind for row in results) for kind in ("applied", "unchanged", "refused", "failed")
    }
    return render(request, TEMPLATE, {"results": results, "token": token, **counts})


@require_GET
@login_required
def lead_import_results(request, token: str):
    results = cache.get(_key(request, "results", token)) if _valid_token(token) else None
    if results is None:
        raise Http404(_("These results have expired."))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "id", "company", "result", "message", "changes"])
    for row in results:
        changes = "; ".join(f"{column}: {old} → {new}" for column, old, new in row["changes"])
        writer.writerow(
            [row["line"], row["id"], _safe(row["company"]), row["result"], _safe(row["message"]), _safe(changes)]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-results.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _safe(text: str) -> str:
    """The results file opens in a spreadsheet too: the same formula guard as the export."""
    return "'" + text if text and text[0] in FORMULA_STARTS else text
