"""The registry: employment services, employers, agreements, vacancies, jobseekers, placements, change log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("country", sa.String(3), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "employer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(3), nullable=False, index=True),
        sa.Column("sector", sa.String(10)),
        sa.Column("contact", sa.Text),
    )
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False, index=True),
        sa.Column("destination", sa.String(3), nullable=False, index=True),
        sa.Column("sectors", sa.JSON, nullable=False),
        sa.Column("occupations", sa.JSON, nullable=False),
        sa.Column("quota", sa.Integer),
        sa.Column("quota_period", sa.String(10)),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.Column("employer_duties", sa.JSON, nullable=False),
        sa.Column("costs", sa.JSON, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
    )
    op.create_table(
        "vacancy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("employer_id", sa.Integer, sa.ForeignKey("employer.id"), nullable=False, index=True),
        sa.Column("agreement_id", sa.Integer, sa.ForeignKey("agreement.id"), index=True),
        sa.Column("esco_version", sa.String(10), nullable=False),
        sa.Column("esco_uri", sa.String(120)),
        sa.Column("isco", sa.String(4), nullable=False, index=True),
        sa.Column("destination", sa.String(3), nullable=False, index=True),
        sa.Column("sector", sa.String(10)),
        sa.Column("wage", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("hours_per_week", sa.Float),
        sa.Column("housing", sa.Boolean, nullable=False),
        sa.Column("medical_care", sa.Boolean, nullable=False),
        sa.Column("duration_months", sa.Integer),
        sa.Column("return_provisions", sa.Text),
        sa.Column("openings", sa.Integer, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("credentials", sa.JSON, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "jobseeker",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pes_id", sa.Integer, sa.ForeignKey("pes.id"), index=True),
        sa.Column("origin", sa.String(3), nullable=False, index=True),
        sa.Column("residence", sa.String(3)),
        sa.Column("esco_version", sa.String(10), nullable=False),
        sa.Column("occupations", sa.JSON, nullable=False),
        sa.Column("isco", sa.String(4), nullable=False, index=True),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("credentials", sa.JSON, nullable=False),
        sa.Column("work_record", sa.JSON, nullable=False),
        sa.Column("preferences", sa.JSON, nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("personal", sa.Text),
        sa.Column("registered_at", sa.DateTime, nullable=False),
        sa.Column("erased_at", sa.DateTime),
    )
    op.create_table(
        "placement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("jobseeker_id", sa.Integer, sa.ForeignKey("jobseeker.id"), nullable=False, index=True),
        sa.Column("vacancy_id", sa.Integer, sa.ForeignKey("vacancy.id"), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("shared_with_employer", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("proposed_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False, index=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("change_log", "placement", "jobseeker", "vacancy", "agreement", "employer", "pes"):
        op.drop_table(table)
