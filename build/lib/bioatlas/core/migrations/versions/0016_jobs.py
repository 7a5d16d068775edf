"""job runs of the durable task queue

Revision ID: 0016_jobs
Revises: 0015_notifications
Create Date: 2026-12-06 04:20:00

Table `job_runs`: one row per job of the task queue (`bioatlas jobs worker`): task name, a
summary of its arguments (secrets masked), status, attempts, last error and times.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_jobs'
down_revision = '0015_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('task', sa.String(length=120), nullable=False),
    sa.Column('args', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_enqueued_at', ['enqueued_at'], unique=False)
        batch_op.create_index('ix_job_runs_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_status')
        batch_op.drop_index('ix_job_runs_enqueued_at')
    op.drop_table('job_runs')
