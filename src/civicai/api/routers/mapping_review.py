"""Reviews of a run's theme mapping (civicai.triage.reviews): a reviewer sets a submission's themes and position,
the unreviewed rest is re-mapped from the reviews, and the workspace proposes what to review next."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy.orm import Session

from civicai.api.deps import READERS, STAFF, get_db, require
from civicai.api.schemas import Body
from civicai.triage.reviews import remap_run, review_submission, run_reviews
from civicai.workspace.users import Principal

router = APIRouter(prefix="/api", tags=["mapping review"])


class ReviewBody(Body):
    themes: list[str] = Field(default_factory=list, max_length=20, description="theme keys; [] = none fits")
    position: str | None = Field(default=None, description="supports | opposes | unclear")
    note: str | None = Field(default=None, max_length=500)


class RemapBody(Body):
    suggest: int = Field(default=10, ge=0, le=100)


@router.post("/runs/{run_id}/submissions/{submission_id}/review")
def review(run_id: int, submission_id: int, body: ReviewBody, who: Principal = Depends(require(*STAFF)),
           session: Session = Depends(get_db, scope="function")) -> dict:
    """Confirm, reject or add themes: the submission's themes become exactly `themes`; remaps never change them."""
    return review_submission(session, run_id, submission_id, body.themes, actor=who.username,
                             position=body.position, note=body.note)


@router.post("/runs/{run_id}/reviews/remap")
def remap(run_id: int, body: RemapBody, who: Principal = Depends(require(*STAFF)),
          session: Session = Depends(get_db, scope="function")) -> dict:
    """Re-map the unreviewed submissions from the reviews so far (in the request: one embedding pass over the run);
    returns what to review next. POST /runs/{run_id}/remap is the other re-map: onto an edited theme set, as a job."""
    result = remap_run(session, run_id, actor=who.username, suggest=body.suggest)
    return {"run_id": result.run_id, "reviewed": result.reviewed, "moved": result.moved,
            "positions_shown": result.positions_shown, "review_next": result.suggestions}


@router.get("/runs/{run_id}/reviews")
def reviews(run_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> dict:
    """The last review of each submission: themes, position, who and when (the full trail is in its history)."""
    return {"run_id": run_id, "reviews": [{"submission_id": k, **v} for k, v in sorted(run_reviews(session, run_id).items())]}
