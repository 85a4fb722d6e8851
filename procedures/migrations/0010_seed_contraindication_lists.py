"""Seed the starting contraindication lists of the domain brief for plasmolifting and post-procedure
cryotherapy, and the medical names behind cryomassage's "allergic reaction to cold".

General clinical references, not the clinic's own: each item is marked `needs_review` for the clinic's
doctor, who edits, re-grades or switches it off in the admin. A re-run creates only what is missing: an
item the clinic has edited, and the procedures it has unlinked, stay as the clinic left them.
Severity: absolute where the procedure must not be done; relative where a clinician may clear the
patient with a written reason (the doctor's review confirms or changes each).
"""

from django.db import migrations

CRYOMASSAGE = ["cryomassage-contact", "cryomassage-aero"]
PRP = ["plasmolifting"]
POST_CRYO = ["cryotherapy-post-procedure"]

ITEMS = [
    # (slug, Russian, English, severity, procedures)
    ("prp-pregnancy", "Беременность или грудное вскармливание", "Pregnancy or breastfeeding", "absolute", PRP),
    ("prp-blood-disorder", "Заболевания крови (низкий уровень тромбоцитов, нарушения свёртываемости)",
     "Blood disorders (low platelets, clotting disorders)", "absolute", PRP),
    ("prp-anticoagulants", "Приём антикоагулянтов или антиагрегантов",
     "Anticoagulant or antiplatelet therapy", "relative", PRP),
    ("prp-malignancy", "Злокачественные опухоли", "Malignant tumours", "absolute", PRP),
    ("prp-acute-infection", "Острая инфекция или повышенная температура", "Acute infection or fever", "absolute", PRP),
    ("prp-autoimmune", "Аутоиммунные заболевания", "Autoimmune disease", "relative", PRP),
    ("prp-local-inflammation", "Воспаление или заболевание кожи в зоне инъекций",
     "Inflammation or skin disease where the injections go", "absolute", PRP),
    ("prp-tube-anticoagulant-allergy", "Аллергия на антикоагулянт в пробирках",
     "Allergy to the anticoagulant in the tubes", "relative", PRP),
    ("cold-urticaria", "Холодовая крапивница", "Cold urticaria", "absolute", CRYOMASSAGE + POST_CRYO),
    ("raynaud", "Синдром Рейно", "Raynaud's phenomenon", "relative", CRYOMASSAGE + POST_CRYO),
    ("cryoglobulinaemia", "Криоглобулинемия", "Cryoglobulinaemia", "absolute", POST_CRYO),
    ("post-cryo-open-wound", "Открытая рана или инфекция в зоне процедуры", "An open wound or infection in the area",
     "absolute", POST_CRYO),
]


def seed(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    Contraindication = apps.get_model("procedures", "Contraindication")
    procedures = {p.slug: p for p in Procedure.objects.filter(slug__in=CRYOMASSAGE + PRP + POST_CRYO)}
    for slug, ru, en, severity, used_by in ITEMS:
        item, created = Contraindication.objects.get_or_create(
            slug=slug, defaults={"name_ru": ru, "name_en": en, "severity": severity, "needs_review": True}
        )
        if created:  # links only for a new item: one the clinic unlinked stays unlinked
            item.procedures.add(*[procedures[s] for s in used_by if s in procedures])


class Migration(migrations.Migration):
    dependencies = [("procedures", "0009_contraindication_needs_review")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
