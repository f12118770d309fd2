"""Placement life-cycle events, the audit log of personal-data reads, and the skills a vacancy wants.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placement_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("placement_id", sa.Integer, sa.ForeignKey("placement.id"), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("entity_id", sa.Integer),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text),
    )
    # Vacancies written before this revision want no particular skills: an empty list, not NULL.
    with op.batch_alter_table("vacancy") as batch:
        batch.add_column(sa.Column("skills", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("vacancy") as batch:
        batch.drop_column("skills")
    op.drop_table("audit_log")
    op.drop_table("placement_event")
