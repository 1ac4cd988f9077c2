"""«Programación automática»: a rule per inscription (``rules``) and the scheduler's sweep
that pays what the rules make due (``sweep``)."""

from occireflex.domain.payments.autopay.rules import (
    MAX_DAYS_BEFORE,
    OVER_MAX,
    RuleInput,
    cancel_rule,
    get_rule,
    pay_date,
    set_rule,
    validate_rule,
)
from occireflex.domain.payments.autopay.sweep import BATCH, SweepReport, default_batch, run_sweep

__all__ = ["BATCH", "default_batch", "MAX_DAYS_BEFORE", "OVER_MAX", "RuleInput", "SweepReport", "cancel_rule",
           "get_rule", "pay_date", "run_sweep", "set_rule", "validate_rule"]
