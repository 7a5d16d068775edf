"""calls, applications, the review engine and the portfolio of structuring projects

Revision ID: 0026_calls_review
Revises: 0019_capability_evidence
Create Date: 2026-12-06 08:05:00

Review engine (platform room `review`): panels, criteria, pool, items, assignments, scores,
exclusions with their reason, declared conflicts. Calls (feature room `calls`): calls, managers,
applications, attachments (their bytes in the database: in backups, erased with the account), and the portfolio (projects,
partners, funding, milestones, deliverables).
"""
from alembic import op
import sqlalchemy as sa


revision = '0026_calls_review'
down_revision = '0019_capability_evidence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_kind', sa.String(length=40), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('show_others', sa.Boolean(), nullable=False),
    sa.Column('reviewers_per_item', sa.Integer(), nullable=False),
    sa.Column('overall_threshold', sa.Float(), nullable=True),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_panels')),
    sa.UniqueConstraint('context_kind', 'context_id', name='uq_review_panels_context')
    )
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title_fr', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('text_fr', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=3), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.Column('eligibility', sa.Text(), nullable=False),
    sa.Column('form', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('results_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_note', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_calls_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_region'), ['region'], unique=False)

    op.create_table('review_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label_fr', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['review_panels.id'], name=op.f('fk_review_criteria_panel_id_review_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_criteria')),
    sa.UniqueConstraint('panel_id', 'code', name='uq_review_criteria_panel_code')
    )
    with op.batch_alter_table('review_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_criteria_panel_id'), ['panel_id'], unique=False)

    op.create_table('review_declared_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_review_declared_conflicts_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['review_panels.id'], name=op.f('fk_review_declared_conflicts_panel_id_review_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_declared_conflicts_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_declared_conflicts'))
    )
    with op.batch_alter_table('review_declared_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_declared_conflicts_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_declared_conflicts_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_declared_conflicts_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_ids', sa.Text(), nullable=False),
    sa.Column('co_actor_ids', sa.Text(), nullable=False),
    sa.Column('previous_item_id', sa.Integer(), nullable=True),
    sa.Column('rebuttal', sa.Text(), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_review_items_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_review_items_owner_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['review_panels.id'], name=op.f('fk_review_items_panel_id_review_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_item_id'], ['review_items.id'], name=op.f('fk_review_items_previous_item_id_review_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('panel_id', 'subject_kind', 'subject_id', name='uq_review_items_subject')
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_panel_id'), ['panel_id'], unique=False)

    op.create_table('review_pool',
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['review_panels.id'], name=op.f('fk_review_pool_panel_id_review_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_pool_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('panel_id', 'user_id', name=op.f('pk_review_pool'))
    )
    op.create_table('call_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('applicant_name', sa.String(length=300), nullable=False),
    sa.Column('co_actor_ids', sa.Text(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('rebuttal', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('publish_opt_in', sa.Boolean(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_call_applications_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_applications_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_call_applications_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_id'], ['call_applications.id'], name=op.f('fk_call_applications_previous_id_call_applications'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_applications'))
    )
    with op.batch_alter_table('call_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_applications_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_applications_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_applications_owner_id'), ['owner_id'], unique=False)

    op.create_table('call_managers',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_managers_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_call_managers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'user_id', name=op.f('pk_call_managers'))
    )
    op.create_table('portfolio_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=3), nullable=True),
    sa.Column('modality', sa.String(length=40), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('budget_eur', sa.Float(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('roadmap_code', sa.String(length=60), nullable=True),
    sa.Column('roadmap_action', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_portfolio_projects_call_id_calls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_portfolio_projects_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_projects'))
    )
    with op.batch_alter_table('portfolio_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_projects_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_portfolio_projects_roadmap_code'), ['roadmap_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_portfolio_projects_source_id'), ['source_id'], unique=False)

    op.create_table('review_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment_applicant', sa.Text(), nullable=True),
    sa.Column('comment_jury', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['review_items.id'], name=op.f('fk_review_assignments_item_id_review_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_assignments_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assignments')),
    sa.UniqueConstraint('item_id', 'reviewer_id', name='uq_review_assignments_item_reviewer')
    )
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_assignments_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignments_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('review_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_review_exclusions_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['review_items.id'], name=op.f('fk_review_exclusions_item_id_review_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_exclusions_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_exclusions')),
    sa.UniqueConstraint('item_id', 'reviewer_id', 'reason', name='uq_review_exclusions_item_reason')
    )
    with op.batch_alter_table('review_exclusions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_exclusions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_exclusions_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('call_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'], name=op.f('fk_call_attachments_application_id_call_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_attachments'))
    )
    with op.batch_alter_table('call_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_attachments_application_id'), ['application_id'], unique=False)

    op.create_table('portfolio_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('funder', sa.String(length=300), nullable=False),
    sa.Column('amount_eur', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['portfolio_projects.id'], name=op.f('fk_portfolio_funding_project_id_portfolio_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_funding'))
    )
    with op.batch_alter_table('portfolio_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_funding_project_id'), ['project_id'], unique=False)

    op.create_table('portfolio_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['portfolio_projects.id'], name=op.f('fk_portfolio_milestones_project_id_portfolio_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_milestones'))
    )
    with op.batch_alter_table('portfolio_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_milestones_project_id'), ['project_id'], unique=False)

    op.create_table('portfolio_partners',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_portfolio_partners_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['portfolio_projects.id'], name=op.f('fk_portfolio_partners_project_id_portfolio_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'actor_id', name=op.f('pk_portfolio_partners'))
    )
    op.create_table('review_scores',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['review_assignments.id'], name=op.f('fk_review_scores_assignment_id_review_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['review_criteria.id'], name=op.f('fk_review_scores_criterion_id_review_criteria'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', 'criterion_id', name=op.f('pk_review_scores'))
    )
    op.create_table('portfolio_deliverables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['milestone_id'], ['portfolio_milestones.id'], name=op.f('fk_portfolio_deliverables_milestone_id_portfolio_milestones'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['portfolio_projects.id'], name=op.f('fk_portfolio_deliverables_project_id_portfolio_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_deliverables')),
    sa.UniqueConstraint('project_id', 'title', name='uq_portfolio_deliverables_title')
    )
    with op.batch_alter_table('portfolio_deliverables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_deliverables_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portfolio_deliverables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_deliverables_project_id'))

    op.drop_table('portfolio_deliverables')
    op.drop_table('review_scores')
    op.drop_table('portfolio_partners')
    with op.batch_alter_table('portfolio_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_milestones_project_id'))

    op.drop_table('portfolio_milestones')
    with op.batch_alter_table('portfolio_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_funding_project_id'))

    op.drop_table('portfolio_funding')
    with op.batch_alter_table('call_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_attachments_application_id'))

    op.drop_table('call_attachments')
    with op.batch_alter_table('review_exclusions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_exclusions_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_review_exclusions_item_id'))

    op.drop_table('review_exclusions')
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_assignments_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_review_assignments_item_id'))

    op.drop_table('review_assignments')
    with op.batch_alter_table('portfolio_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_projects_source_id'))
        batch_op.drop_index(batch_op.f('ix_portfolio_projects_roadmap_code'))
        batch_op.drop_index(batch_op.f('ix_portfolio_projects_region'))

    op.drop_table('portfolio_projects')
    op.drop_table('call_managers')
    with op.batch_alter_table('call_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_applications_owner_id'))
        batch_op.drop_index(batch_op.f('ix_call_applications_call_id'))
        batch_op.drop_index(batch_op.f('ix_call_applications_actor_id'))

    op.drop_table('call_applications')
    op.drop_table('review_pool')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_panel_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_owner_user_id'))

    op.drop_table('review_items')
    with op.batch_alter_table('review_declared_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_declared_conflicts_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_review_declared_conflicts_panel_id'))
        batch_op.drop_index(batch_op.f('ix_review_declared_conflicts_actor_id'))

    op.drop_table('review_declared_conflicts')
    with op.batch_alter_table('review_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_criteria_panel_id'))

    op.drop_table('review_criteria')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_region'))

    op.drop_table('calls')
    op.drop_table('review_panels')
