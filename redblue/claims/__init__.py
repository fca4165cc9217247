"""Claims about I/O checked on instances: refuted with a certificate, confirmed, or open.

- :mod:`redblue.claims.claim`: the claim grammar (``Q >= EXPR``, ``io(ALG) <= EXPR``);
- :mod:`redblue.claims.ranges`: the instance grids (``1..4``, ``2,4,8``);
- :mod:`redblue.claims.evidence`: what is known of one instance (proven lower bounds,
  replayed strategies, counted schedules), each fact with its source;
- :mod:`redblue.claims.check`: :func:`check_claim`, one verdict an instance.
"""

from redblue.claims.check import ClaimCheck, InstanceVerdict, check_claim
from redblue.claims.claim import Claim, parse_claim
from redblue.claims.evidence import Fact
from redblue.claims.ranges import parse_range

__all__ = ["Claim", "ClaimCheck", "Fact", "InstanceVerdict", "check_claim", "parse_claim",
           "parse_range"]
