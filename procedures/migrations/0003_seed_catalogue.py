"""Seed the catalogue from the clinic's domain brief. Everything here is data the clinic edits in admin.

Plasmolifting and post-procedure cryotherapy get no contraindications here: the clinic maintains
their lists. Their course lengths and prices are starting values for the clinic to set.
"""

from decimal import Decimal

from django.db import migrations

RESOURCE_KINDS = [
    ("treatment-room", "Процедурный кабинет", "Treatment room"),
    ("nitrogen-dewar", "Сосуд Дьюара с жидким азотом", "Liquid-nitrogen dewar"),
    ("centrifuge", "Центрифуга", "Centrifuge"),
    ("cryo-device", "Медицинский криоаппарат", "Medical-grade cryotherapy device"),
]

CRYO = dict(duration_minutes=20, min_sessions=10, max_sessions=12, spacing_days=2, max_gap_days=4,
            price_per_session=Decimal("950"), course_discount_percent=Decimal("10"), requires_ice_test=True,
            screening_valid_days=30, ice_test_valid_days=30, ice_test_min_hours_before=24,
            combined_lead_minutes=30, requires_certification=True)

PROCEDURES = [
    ("cryomassage-contact", "Криомассаж кожи головы (контактный)", "Scalp cryomassage, contact",
     "Аппликатор, смоченный жидким азотом, проводят по линиям проборов, не касаясь волос: 3–4 прохода "
     "по каждой линии, по 5–7 секунд.",
     "An applicator dipped in liquid nitrogen is drawn along the parting lines, avoiding the hair: "
     "3-4 passes per line, 5-7 seconds each.",
     CRYO, ["treatment-room", "nitrogen-dewar"]),
    ("cryomassage-aero", "Аэрокриомассаж кожи головы (бесконтактный)", "Scalp aero-cryomassage, non-contact",
     "Насадка на баллоне с азотом распыляет холод по массажным линиям, 3–4 прохода по каждой линии.",
     "A nozzle on the nitrogen cylinder sprays along the massage lines, 3-4 passes per line.",
     CRYO, ["treatment-room", "nitrogen-dewar"]),
    ("plasmolifting", "Плазмолифтинг кожи головы", "Scalp plasmolifting (PRP)",
     "Забор венозной крови, центрифугирование в пробирках с гелем, введение плазмы микропунктурно или шприцем.",
     "Venous blood is drawn and centrifuged in gel-coated tubes; the plasma is injected with micro-punctures "
     "or a syringe.",
     dict(duration_minutes=45, min_sessions=4, max_sessions=6, spacing_days=14, max_gap_days=21,
          price_per_session=Decimal("6000"), course_discount_percent=Decimal("0"), requires_ice_test=False,
          screening_valid_days=30, ice_test_valid_days=30, ice_test_min_hours_before=0,
          combined_lead_minutes=None, requires_certification=True),
     ["treatment-room", "centrifuge"]),
    ("cryotherapy-post-procedure", "Криотерапия после лазера, пилинга или микродермабразии",
     "Cryotherapy after a laser, peel or microdermabrasion",
     "Холод в фазе заживления для профилактики поствоспалительной гиперпигментации; особенно полезна "
     "при тёмных фототипах кожи.",
     "Cold applied during the healing phase to prevent post-inflammatory hyperpigmentation; most useful "
     "for darker skin types.",
     dict(duration_minutes=20, min_sessions=3, max_sessions=10, spacing_days=2, max_gap_days=4,
          price_per_session=Decimal("1500"), course_discount_percent=Decimal("0"), requires_ice_test=False,
          screening_valid_days=30, ice_test_valid_days=30, ice_test_min_hours_before=0,
          combined_lead_minutes=None, requires_certification=True),
     ["treatment-room", "cryo-device"]),
]

CRYO_CONTRAINDICATIONS = [
    ("cold-allergy", "Аллергическая реакция на холод (зуд, сильное жжение)",
     "Allergic reaction to cold (itching, severe burning)"),
    ("active-herpes", "Герпес в активной фазе", "Active herpes"),
    ("scalp-suppuration", "Частые нагноения кожи головы", "Frequent suppuration of the skin of the head"),
    ("fungal-infectious-skin", "Грибковые или инфекционные заболевания кожи", "Fungal or infectious skin disease"),
    ("migraine", "Мигрени или частые головные боли", "Migraines or frequent headaches"),
    ("epilepsy-mental", "Эпилепсия или психические расстройства", "Epilepsy or mental disorders"),
]

CRYO_INDICATIONS = [
    ("seborrhoea", "Себорея (повышенная жирность)", "Seborrhoea (excess sebum)"),
    ("dry-brittle-hair", "Сухие, ломкие волосы", "Dry, brittle hair"),
    ("thin-hair", "Быстрая потеря объёма, тонкие волосы", "Fast loss of volume, thin hair"),
    ("androgenetic-alopecia", "Андрогенная алопеция", "Androgenetic alopecia"),
    ("early-baldness", "Раннее облысение из-за питания, дефицита витаминов или гормонального дисбаланса",
     "Early baldness from poor nutrition, lack of vitamins or trace elements, hormonal imbalance"),
    ("alopecia-areata", "Очаговая алопеция", "Alopecia areata (patchy loss)"),
    ("sensitive-scalp", "Чувствительная кожа головы", "Sensitive scalp"),
    ("dandruff", "Перхоть, не поддающаяся косметическим средствам", "Dandruff that cosmetics do not clear"),
    ("itching-tightness", "Зуд или стянутость кожи головы", "Itching or tightness of the scalp"),
]


def seed(apps, schema_editor):
    ResourceKind = apps.get_model("procedures", "ResourceKind")
    Procedure = apps.get_model("procedures", "Procedure")
    Contraindication = apps.get_model("procedures", "Contraindication")
    Indication = apps.get_model("procedures", "Indication")
    kinds = {}
    for slug, ru, en in RESOURCE_KINDS:
        kinds[slug], _ = ResourceKind.objects.get_or_create(slug=slug, defaults={"name_ru": ru, "name_en": en})
    procedures = {}
    for slug, ru, en, desc_ru, desc_en, fields, needs in PROCEDURES:
        procedure, _ = Procedure.objects.get_or_create(
            slug=slug, defaults={"name_ru": ru, "name_en": en, "description_ru": desc_ru, "description_en": desc_en,
                                 **fields})
        procedure.resource_kinds.set([kinds[k] for k in needs])
        procedures[slug] = procedure
    cryo = [procedures["cryomassage-contact"], procedures["cryomassage-aero"]]
    for slug, ru, en in CRYO_CONTRAINDICATIONS:
        item, _ = Contraindication.objects.get_or_create(
            slug=slug, defaults={"name_ru": ru, "name_en": en, "severity": "absolute"})
        item.procedures.add(*cryo)
    for slug, ru, en in CRYO_INDICATIONS:
        item, _ = Indication.objects.get_or_create(slug=slug, defaults={"name_ru": ru, "name_en": en})
        item.procedures.add(*cryo)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_records_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
