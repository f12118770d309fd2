"""Fair recruitment: recruiters, licences and their status history, certifications, complaints,
recruitment acts on placements, the append-only fee ledger, first-month earnings and a worker's
social-security insurance periods (issue 13).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=nullable, index=True)


def _money() -> list[sa.Column]:
    return [sa.Column("amount", sa.Float, nullable=False), sa.Column("currency", sa.String(3), nullable=False),
            sa.Column("usd_rate", sa.Float, nullable=False), sa.Column("rate_date", sa.Date, nullable=False),
            sa.Column("rate_source", sa.String(120), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "recruiter", _id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("country", sa.String(3), nullable=False, index=True),
    )
    op.create_table(
        "recruiter_licence", _id(), _fk("recruiter_id", "recruiter.id"),
        sa.Column("jurisdiction", sa.String(3), nullable=False, index=True),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
    )
    op.create_table(
        "licence_event", _id(), _fk("licence_id", "recruiter_licence.id"),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "recruiter_certification", _id(), _fk("recruiter_id", "recruiter.id"),
        sa.Column("scheme", sa.String(60), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
    )
    op.create_table(
        "recruiter_complaint", _id(), _fk("recruiter_id", "recruiter.id"),
        sa.Column("filed", sa.Date, nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(200)),
        sa.Column("decided", sa.Date),
    )
    op.create_table(
        "recruitment_act", _id(), _fk("placement_id", "placement.id"), _fk("recruiter_id", "recruiter.id"),
        sa.Column("act", sa.String(30), nullable=False),
        sa.Column("jurisdiction", sa.String(3), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("flag", sa.String(30)),
    )
    op.create_table(
        "ledger_entry", _id(), _fk("jobseeker_id", "jobseeker.id"), _fk("placement_id", "placement.id", True),
        sa.Column("agreement_id", sa.Integer, sa.ForeignKey("agreement.id")),
        sa.Column("recruiter_id", sa.Integer, sa.ForeignKey("recruiter.id")),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("side", sa.String(11), nullable=False),
        sa.Column("jurisdiction", sa.String(3), nullable=False),
        sa.Column("payer", sa.String(10), nullable=False),
        sa.Column("payee", sa.String(200), nullable=False),
        *_money(),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("evidence", sa.Text),
        _fk("corrects_id", "ledger_entry.id", True),
        sa.Column("void", sa.Boolean, nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "first_earnings", _id(), _fk("jobseeker_id", "jobseeker.id"),
        sa.Column("placement_id", sa.Integer, sa.ForeignKey("placement.id")),
        sa.Column("month", sa.Date, nullable=False),
        *_money(),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "insurance_period", _id(), _fk("jobseeker_id", "jobseeker.id"),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("periods", sa.Float, nullable=False),
        sa.Column("agreement", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("insurance_period", "first_earnings", "ledger_entry", "recruitment_act", "recruiter_complaint",
                  "recruiter_certification", "licence_event", "recruiter_licence", "recruiter"):
        op.drop_table(table)
