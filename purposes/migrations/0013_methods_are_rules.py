from django.db import migrations

NEW_RULES = ("methods", "amendments_to_vote")


def _filled(rules, charter):
    """A proposed text's rules with the two new rules as its base charter has them: a
    proposal written before they were rules proposes to keep them."""
    if not rules or all(name in rules for name in NEW_RULES):
        return None
    return {
        "methods": charter.methods,
        "amendments_to_vote": charter.amendments_to_vote,
        **rules,
    }


def fill_proposed_rules(apps, schema_editor):
    """Charter.methods and Charter.amendments_to_vote became rules (Charter.RULE_FIELDS):
    every proposed text kept before then gets them as its base charter has them, so its
    diff does not show them removed."""
    Proposal = apps.get_model("purposes", "Proposal")
    Revision = apps.get_model("purposes", "ProposalRevision")
    Option = apps.get_model("purposes", "ProposalOption")
    Amendment = apps.get_model("purposes", "Amendment")
    for model, base in ((Proposal, "base_charter"), (Revision, "base_charter")):
        for row in model.objects.select_related(base).iterator():
            rules = _filled(row.rules, getattr(row, base))
            if rules is not None:
                model.objects.filter(pk=row.pk).update(rules=rules)
    for row in Option.objects.select_related("proposal__base_charter").iterator():
        rules = _filled(row.rules, row.proposal.base_charter)
        if rules is not None:
            Option.objects.filter(pk=row.pk).update(rules=rules)
    for row in Amendment.objects.select_related("proposal__base_charter").iterator():
        charter = row.proposal.base_charter
        rules = _filled(row.rules, charter)
        against = dict(row.against or {})
        against_rules = _filled(against.get("rules"), charter)
        if against_rules is not None:
            against["rules"] = against_rules
        if rules is not None or against_rules is not None:
            Amendment.objects.filter(pk=row.pk).update(
                rules=rules if rules is not None else row.rules, against=against
            )


class Migration(migrations.Migration):
    dependencies = [
        ("purposes", "0012_vote_reasons_index"),
    ]

    operations = [
        migrations.RunPython(fill_proposed_rules, migrations.RunPython.noop),
    ]
