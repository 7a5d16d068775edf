"""messaging: threads, members, messages, blocks, reports, settings

Revision ID: 0025_messaging
Revises: 0022_capacity_profiles
Create Date: 2026-12-06 07:40:00

`messaging_threads` (status request/accepted/declined, the context of the room that opened it),
`messaging_members` (read and notification high-water marks, mute), `messaging_messages` (plain
text, erased with their author), `messaging_blocks`, `messaging_reports` (a copy of the reported
text, resolution note) and `messaging_settings` (read receipts, off by default).
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_messaging'
down_revision = '0022_capacity_profiles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('messaging_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('context_kind', sa.String(length=40), nullable=True),
    sa.Column('context_id', sa.String(length=64), nullable=True),
    sa.Column('context_label', sa.String(length=200), nullable=True),
    sa.Column('context_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_messaging_threads_opened_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_threads'))
    )
    with op.batch_alter_table('messaging_threads', schema=None) as batch_op:
        batch_op.create_index('ix_messaging_threads_context', ['context_kind', 'context_id'], unique=False)

    op.create_table('messaging_members',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('muted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['messaging_threads.id'], name=op.f('fk_messaging_members_thread_id_messaging_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messaging_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_messaging_members'))
    )
    with op.batch_alter_table('messaging_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messaging_members_user_id'), ['user_id'], unique=False)

    op.create_table('messaging_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messaging_messages_sender_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['messaging_threads.id'], name=op.f('fk_messaging_messages_thread_id_messaging_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_messages'))
    )
    with op.batch_alter_table('messaging_messages', schema=None) as batch_op:
        batch_op.create_index('ix_messaging_messages_thread_created', ['thread_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messaging_messages_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messaging_messages_created_at'), ['created_at'], unique=False)

    op.create_table('messaging_blocks',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['users.id'], name=op.f('fk_messaging_blocks_blocked_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['users.id'], name=op.f('fk_messaging_blocks_blocker_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_messaging_blocks'))
    )
    with op.batch_alter_table('messaging_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messaging_blocks_blocked_id'), ['blocked_id'], unique=False)

    op.create_table('messaging_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('body_copy', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messaging_messages.id'], name=op.f('fk_messaging_reports_message_id_messaging_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_messaging_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_messaging_reports_resolved_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_reports'))
    )
    with op.batch_alter_table('messaging_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messaging_reports_message_id'), ['message_id'], unique=False)

    op.create_table('messaging_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_receipts', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messaging_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_messaging_settings'))
    )


def downgrade() -> None:
    op.drop_table('messaging_settings')
    with op.batch_alter_table('messaging_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messaging_reports_message_id'))
    op.drop_table('messaging_reports')
    with op.batch_alter_table('messaging_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messaging_blocks_blocked_id'))
    op.drop_table('messaging_blocks')
    with op.batch_alter_table('messaging_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messaging_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_messaging_messages_sender_id'))
        batch_op.drop_index('ix_messaging_messages_thread_created')
    op.drop_table('messaging_messages')
    with op.batch_alter_table('messaging_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messaging_members_user_id'))
    op.drop_table('messaging_members')
    with op.batch_alter_table('messaging_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_messaging_threads_context')
    op.drop_table('messaging_threads')
