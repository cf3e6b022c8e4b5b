"""What funds records in the audit log (supportdesk.audit.actions)."""

from supportdesk.audit.actions import ActionNames


class FundActions(ActionNames):
    CREATE = "fund.create"
    TRANSFER_REVERSE = "transfer.reverse"


class DonationActions(ActionNames):
    RECORD = "donation.record"
    IMPORT = "donation.import"
    # A read of a donation's reference, or of its donor's name and contact.
    VIEW = "donation.view"
    DONOR_VIEW = "donor.view"
    DONOR_FORGET = "donor.forget"
    REVERSE = "donation.reverse"


class DisbursementActions(ActionNames):
    REQUEST = "disbursement.request"
    APPROVE = "disbursement.approve"
    REJECT = "disbursement.reject"
    WITHDRAW = "disbursement.withdraw"
    PAY = "disbursement.pay"
    CONFIRM = "disbursement.confirm"
    RECONCILE = "disbursement.reconcile"
    EXPIRE = "disbursement.expire"
    REVERSE = "disbursement.reverse"
