"""Every mutation's server effect, gathered from the domains and held to the shared registry.

`missing_parts` names what a declared mutation lacks; the app refuses to start while it names
anything, and a test keeps it empty.
"""

from server.effects import ServerEffect
from server.fieldrecords import service as fieldrecords
from server.hotline.effects import EFFECTS as REQUEST_EFFECTS
from server.residents.effects import EFFECTS as RESIDENT_EFFECTS
from server.visits.effects import EFFECTS as VISIT_EFFECTS
from shared.mutations import REGISTRY, MutationSpec


def gather(*domains: dict[type, ServerEffect]) -> dict[type, ServerEffect]:
    effects: dict[type, ServerEffect] = {}
    for domain in domains:
        for args, effect in domain.items():
            if args in effects:
                raise ValueError(f"two server effects for {args.__name__}")
            effects[args] = effect
    return effects


# The domains' effect modules are imported above, so every field record kind is declared.
EFFECTS = gather(VISIT_EFFECTS, RESIDENT_EFFECTS, REQUEST_EFFECTS, fieldrecords.effects())


def missing_parts(
    registry: dict[str, MutationSpec], effects: dict[type, ServerEffect]
) -> list[str]:
    """What is missing: a declared mutation without an effect, or an effect without one."""
    problems = []
    declared = {spec.args for spec in registry.values()}
    for name, spec in registry.items():
        if spec.args not in effects:
            hint = " (a field record: its FieldRecordKind gives it one)" if spec.record else ""
            problems.append(f"{name}: no server effect{hint}")
        if not callable(spec.optimistic):
            problems.append(f"{name}: no phone-side effect")
        if not spec.senders:
            problems.append(f"{name}: nobody may send it")
    for args in effects:
        if args not in declared:
            problems.append(f"{args.__name__}: a server effect for an undeclared mutation")
    return problems


def effect_for(name: str) -> ServerEffect | None:
    spec = REGISTRY.get(name)
    return EFFECTS.get(spec.args) if spec else None
