"""Worked examples of every request body, shown in the OpenAPI document and so in /docs.

They tell one story, in this order: the Community Partnerships service is added, two of
its risks are entered, reviewed one by one and in a whole-service round, then changed and
closed; an editor token is made for the service's own system; a plan is imported in a dry
run. tests/api/test_examples.py posts every one of them to the app in that order and
expects 2xx, so an example here cannot drift from what the API accepts.
"""

from __future__ import annotations

from fastapi.openapi.models import Example

SERVICE_CREATE: dict[str, Example] = {
    "service": {
        "summary": "A council service",
        "description": "The code is the prefix of the service's risk refs (CP01, CP02, ...).",
        "value": {"code": "CP", "name": "Community Partnerships"},
    },
}

SERVICE_UPDATE: dict[str, Example] = {
    "contact": {
        "summary": "Give the service a contact email",
        "description": "`riskreg remind` sends this address the service's reviews and actions due "
        "or overdue; null removes it.",
        "value": {"contact_email": "community.partnerships@council.example.gov.uk"},
    },
}

RISK_CREATE: dict[str, Example] = {
    "assessed": {
        "summary": "A risk with its first review",
        "description": "With `residual`, the first review is recorded (dated today unless "
        "`reviewed_on` says otherwise); `inherent` and `target` are optional.",
        "value": {
            "ref": "CP01",
            "title": "Insufficient staff",
            "consequence": "Increase in ASB casework cannot be supported without more team capacity.",
            "owner": "Community Safety Manager",
            "response": "treat",
            "controls": [
                "Growth bid submitted to increase the capacity of the service",
                "ASB triage system identifies the risk level of each complaint",
            ],
            "inherent": {"likelihood": 3, "impact": 3},
            "residual": {"likelihood": 2, "impact": 2},
            "target": {"likelihood": 1, "impact": 2},
            "notes": "Entered from the 2019-2022 service plan.",
        },
    },
    "unassessed": {
        "summary": "A risk not assessed yet",
        "description": "Without `residual` the risk is open and unreviewed until its first review; "
        "`opened_on` (default today) dates its opening, and no review may be dated before it.",
        "value": {
            "ref": "CP02",
            "aliases": ["ST05"],
            "title": "Total failure of ICT systems",
            "consequence": "Critical systems lost for delivery of ASB casework",
            "owner": "Head of Community Partnerships",
            "response": "tolerate",
            "controls": ["Web access to the ASB casework system", "ICT logs of failure"],
            "opened_on": "2026-04-01",
        },
    },
}

REVIEW_CREATE: dict[str, Example] = {
    "review": {
        "summary": "A review of one risk",
        "description": "Only `residual` is required; omitted inherent, target, response and "
        "controls carry over from the risk, the next review is due six months on.",
        "value": {
            "reviewer": "Community Safety Manager",
            "residual": {"likelihood": 2, "impact": 3},
            "controls": [
                "Growth bid submitted to increase the capacity of the service",
                "ASB triage system identifies the risk level of each complaint",
                "Temporary secondment in place to support the workload",
            ],
            "notes": "Casework up 20% this quarter; secondment agreed until March.",
        },
    },
}

SERVICE_REVIEW_CREATE: dict[str, Example] = {
    "round": {
        "summary": "A service's review round",
        "description": "Every entry is recorded, or none is: one invalid entry refuses the round "
        "with 422 naming it, e.g. `body.reviews.1.residual.likelihood`.",
        "value": {
            "reviewer": "Head of Community Partnerships",
            "reviews": [
                {"ref": "CP01", "residual": {"likelihood": 2, "impact": 2}, "notes": "Secondment in place."},
                {
                    "ref": "CP02",
                    "residual": {"likelihood": 1, "impact": 4},
                    "response": "treat",
                    "notes": "First assessment; failover site tested in October.",
                },
            ],
        },
    },
}

RISK_UPDATE: dict[str, Example] = {
    "owner": {
        "summary": "Change descriptive fields",
        "description": "Scores change only by review, and so do an assessed risk's controls and "
        "response (422 `changed_by_review`). Send the risk's ETag as If-Match.",
        "value": {"owner": "Community Partnerships Manager", "title": "Loss of partnership funding"},
    },
    "close": {
        "summary": "Close the risk",
        "description": "Closed today unless `status_on` says otherwise (`closed_on`, the first "
        'API\'s name, is still accepted). `{"status": "open"}` reopens it, dated the same '
        "way; reopening never erases the closure.",
        "value": {"status": "closed"},
    },
}

TOKEN_CREATE: dict[str, Example] = {
    "editor": {
        "summary": "A token for a service's own system",
        "description": "An editor reads and writes only the services named; the answer holds the "
        "token, shown this once.",
        "value": {"name": "cp-casework-system", "role": "editor", "services": ["CP"]},
    },
}

IMPORT_CREATE: dict[str, Example] = {
    "dry_run": {
        "summary": "A plan's risk table, in a dry run",
        "description": "Reports what the import would do and every finding; changes nothing "
        "until sent again with `dry_run: false`.",
        "value": {
            "text": "COMMUNITY PARTNERSHIPS SERVICE PLAN\n2019 - 2022\n\n"
            "Ref\tNature of Risk\tConsequence\tControl Measures\t"
            "Response (tolerate, treat, terminate, transfer)\t"
            "Risk Rating (combination of likelihood and impact)\n"
            "CP03\tLoss of accommodation\tDifficulty in providing services to vulnerable groups\t"
            "Asset management plan, planned preventative maintenance.\tTreat\tLow - 4\n",
            "filename": "community-partnerships-2019-2022.txt",
            "service_code": "CP",
            "dry_run": True,
        },
    },
    "file": {
        "summary": "A plan file's bytes (here Word's UTF-16 \"Unicode Text\")",
        "description": "`content_base64` carries a file as it is: text in UTF-8, UTF-16 with a BOM or "
        "Windows-1252, a Word document (.docx) or a workbook (.xlsx), told apart by its bytes.",
        "value": {
            "content_base64": "//5IAE8AVQBTAEkATgBHACAAUwBFAFIAVgBJAEMARQBTACAAUwBFAFIAVgBJAEMARQAgAFAATABBAE4AIAAyADAAMgAxACAALQAgADIAMAAyADQADQAKAA0ACgBSAGkAcwBrACAARABlAHMAYwByAGkAcAB0AGkAbwBuAAkAUgBlAHMAaQBkAHUAYQBsACAATABpAGsAZQBsAGkAaABvAG8AZAAgAFMAYwBvAHIAZQAJAFIAZQBzAGkAZAB1AGEAbAAgAEkAbQBwAGEAYwB0ACAAUwBjAG8AcgBlAAkAUgBlAHMAaQBkAHUAYQBsACAAUgBpAHMAawAgAFMAYwBvAHIAZQANAAoASABTADAAMQAgAEYAbABvAG8AZABpAG4AZwAgAG8AZgAgAHQAaABlACAAZABlAHAAbwB0AAkAMgAJADMACQA2AA0ACgA=",
            "filename": "housing-services-2021-2024.txt",
            "dry_run": True,
        },
    },
    "no_period": {
        "summary": "A plan whose title names no period, dated by reviewed_on, strictly",
        "description": "Without a period in the title the import is refused unless `reviewed_on` dates the "
        "assessments. `strict` imports nothing while the plan has findings to resolve.",
        "value": {
            "text": "HOUSING SERVICES SERVICE PLAN\n\n"
            "Risk Description\tResidual Likelihood Score\tResidual Impact Score\tResidual Risk Score\n"
            "HS01 Flooding of the depot\t2\t3\t6\n",
            "filename": "housing-services.txt",
            "reviewed_on": "2021-04-01",
            "strict": True,
            "dry_run": True,
        },
    },
}

ACTION_CREATE: dict[str, Example] = {
    "action": {
        "summary": "An action on a treat risk",
        "description": "Every action has an owner (a post) and a due date; it starts planned "
        "unless `status` says otherwise.",
        "value": {
            "description": "Recruit two ASB caseworkers on fixed-term contracts",
            "owner": "Community Safety Manager",
            "due_on": "2027-03-31",
            "status": "in_progress",
        },
    },
}

ACTION_UPDATE: dict[str, Example] = {
    "done": {
        "summary": "Mark the action done",
        "description": "Done today unless `completed_on` says otherwise. Send the action's ETag as If-Match.",
        "value": {"status": "done"},
    },
}

ACTION_PROGRESS_CREATE: dict[str, Example] = {
    "progress": {
        "summary": "A progress note",
        "description": "Dated today unless `on` gives the day it reports on (never in the future, "
        "never before the action was recorded). Notes are appended, never edited.",
        "value": {"note": "Both posts advertised; interviews in January."},
    },
}

APPETITE_UPDATE: dict[str, Example] = {
    "statement": {
        "summary": "The appetite the audit committee approved",
        "description": "Each category gets a level; the matrix gives each level its highest accepted "
        "residual score (on the 4x4: averse 3, minimal 4, cautious 6, open 9, eager 12). The "
        "statement becomes the next version; `approved_on` is never before the one in force.",
        "value": {
            "approved_by": "Audit Committee",
            "approved_on": "2026-06-30",
            "categories": [
                {"category": "technology", "level": "cautious"},
                {"category": "financial", "level": "minimal"},
                {"category": "people", "level": "open"},
                {"category": "reputational", "level": "averse"},
            ],
        },
    },
}

ESCALATION_CREATE: dict[str, Example] = {
    "escalate": {
        "summary": "A service risk put on the corporate register",
        "description": "Dated `on` (default today); the risk stays the service's and its reviews "
        "stay theirs.",
        "value": {"reason": "Very High at the last two reviews; affects every front-line service."},
    },
}

DE_ESCALATION_CREATE: dict[str, Example] = {
    "de-escalate": {
        "summary": "A risk taken off the corporate register",
        "description": "Dated `on` (default today), never before the risk's escalation.",
        "value": {"reason": "New ICT contract in place; the service manages the risk again."},
    },
}
