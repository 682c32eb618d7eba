"""contracts: verification code on certificates, the unit amounts were entered in

Revision ID: 3c1f0a7e9b21
Revises: fa0cb23ef3ee
Create Date: 2026-12-03 11:45:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c1f0a7e9b21'
down_revision = 'fa0cb23ef3ee'
branch_labels = None
depends_on = None

# Same alphabet as marketplace.contracts.services.new_verification_code (no 0/O, 1/I/L).
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def upgrade():
    with op.batch_alter_table('tech_contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_code', sa.String(length=16), nullable=True))
    with op.batch_alter_table('contract_revisions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('amount_unit', sa.String(length=4), server_default='yuan', nullable=False)
        )
    # Every contract that was ever registered has a certificate out there: give it a code.
    contracts = sa.table(
        'tech_contracts',
        sa.column('id', sa.Integer),
        sa.column('registration_number', sa.String),
        sa.column('verification_code', sa.String),
    )
    bind = op.get_bind()
    ids = bind.execute(
        sa.select(contracts.c.id).where(contracts.c.registration_number.is_not(None))
    ).scalars().all()
    for contract_id in ids:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        bind.execute(
            contracts.update().where(contracts.c.id == contract_id).values(verification_code=code)
        )


def downgrade():
    with op.batch_alter_table('contract_revisions', schema=None) as batch_op:
        batch_op.drop_column('amount_unit')
    with op.batch_alter_table('tech_contracts', schema=None) as batch_op:
        batch_op.drop_column('verification_code')
