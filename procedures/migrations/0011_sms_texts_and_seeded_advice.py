"""Short SMS names and SMS aftercare; preparation for every procedure; cryomassage aftercare for the scalp.

Starting texts, for the clinic's doctor to review and edit in the admin. A text is written only where
the field is empty, or (cryomassage aftercare) still holds the general text 0005 seeded: a text the
clinic has edited is never overwritten.
"""

from django.db import migrations, models

SCALP_WARNING_RU = (
    "Сразу свяжитесь с клиникой, если появились: сильный отёк, тёмные круги под глазами; зуд, раздражение, "
    "красные пятна на коже головы; повышение температуры без другой причины; рубцы; чрезмерная сухость кожи головы."
)
SCALP_WARNING_EN = (
    "Contact the clinic at once if you notice: strong swelling, dark circles under the eyes; itching, irritation or "
    "red spots on the scalp; a raised temperature with no other cause; scars; excessive dryness of the scalp."
)
CRYO_PREPARATION = (
    "Приходите с чистыми сухими волосами, без укладочных средств, масел и лосьонов на коже головы. Если на коже "
    "головы появились герпес, ранки или воспаление, если болит голова или поднялась температура, позвоните нам до "
    "сеанса: его, возможно, придётся перенести.",
    "Come with clean, dry hair and no styling products, oils or lotions on the scalp. If you have herpes, a sore or "
    "inflammation on the scalp, a headache or a fever, call us before the session: it may need to be moved.",
)
CRYO_AFTERCARE = (
    "В течение недели после сеанса: не наносите на кожу головы плотные укладочные средства, масла и маски, "
    "закупоривающие поры; на солнце носите головной убор; избегайте тяжёлых физических нагрузок, бани и сауны. "
    "Восстановление занимает от 3 часов до недели и более.\n" + SCALP_WARNING_RU,
    "For a week after the session: no heavy styling products, oils or masks that clog the scalp's pores; cover your "
    "head in the sun; no heavy physical strain, no sauna or steam bath. Recovery takes from 3 hours to over a "
    "week.\n" + SCALP_WARNING_EN,
)
CRYO_SMS = (
    "Неделю без сауны, солнца, нагрузок, укладочных средств. Отёк, зуд, красные пятна, жар — звоните",
    "A week: no sauna, sun, heavy strain or styling products. Swelling, itching, red spots, fever: call",
)

# slug: (SMS name ru, en), (preparation ru, en), (aftercare ru, en), (aftercare SMS ru, en)
TEXTS = {
    "cryomassage-contact": (("Криомассаж", "Cryomassage"), CRYO_PREPARATION, CRYO_AFTERCARE, CRYO_SMS),
    "cryomassage-aero": (("Аэрокриомассаж", "Aero-cryomassage"), CRYO_PREPARATION, CRYO_AFTERCARE, CRYO_SMS),
    "plasmolifting": (
        ("Плазмолифтинг", "Plasmolifting"),
        (
            "За 2 дня до процедуры откажитесь от алкоголя, накануне и в день процедуры — от жирной пищи; пейте "
            "достаточно воды. Вымойте голову накануне, не наносите укладочные средства. Если вы принимаете "
            "препараты, влияющие на свёртываемость крови (например, аспирин), заранее скажите врачу и не "
            "отменяйте их сами. При простуде или температуре позвоните нам: сеанс перенесём.",
            "No alcohol for 2 days before the procedure, no fatty food the day before and on the day; drink enough "
            "water. Wash your hair the day before and use no styling products. If you take medicines that affect "
            "blood clotting (aspirin, for example), tell the doctor in advance and do not stop them on your own. "
            "If you have a cold or a fever, call us: we will move the session.",
        ),
        (
            "Первые сутки не мойте голову и не трогайте места уколов. В течение недели: без укладочных средств и "
            "масок для кожи головы, долгого пребывания на солнце, тяжёлых физических нагрузок, бани и сауны. "
            "Небольшое покраснение в местах уколов проходит за несколько часов.\n" + SCALP_WARNING_RU,
            "Do not wash your hair or touch the injection sites for the first day. For a week: no styling products "
            "or scalp masks, no long sun exposure, no heavy physical strain, no sauna. Slight redness where the "
            "injections went passes within hours.\n" + SCALP_WARNING_EN,
        ),
        (
            "Сутки не мойте голову; неделю без сауны, солнца, нагрузок. Отёк, зуд, красные пятна, жар — звоните",
            "No hair washing for a day; a week: no sauna, sun, heavy strain. Swelling, itching, red spots: call",
        ),
    ),
    "cryotherapy-post-procedure": (
        ("Криотерапия", "Cryotherapy"),
        (
            "Приходите без макияжа и крема на обработанной зоне. Скажите врачу, какую процедуру (лазер, пилинг, "
            "микродермабразию) и когда вам делали. Если на зоне открытая рана, мокнутие или признаки инфекции, "
            "позвоните нам до сеанса.",
            "Come without make-up or cream on the treated area. Tell the doctor which procedure you had (a laser, a "
            "peel, microdermabrasion) and when. If the area has an open wound, weeping or signs of infection, call "
            "us before the session.",
        ),
        (
            "В течение недели после сеанса: не пользуйтесь плотной декоративной косметикой и кремами, "
            "закупоривающими поры; избегайте долгого пребывания на солнце, тяжёлых физических нагрузок и сауны. "
            "Восстановление занимает от 3 часов до недели и более.\n"
            "Сразу свяжитесь с клиникой, если появились: сильный отёк, тёмные круги под глазами; зуд, раздражение, "
            "красные пятна; повышение температуры без другой причины; рубцы; чрезмерная сухость кожи.",
            "For a week after the session: no heavy decorative cosmetics or pore-clogging creams, no long sun "
            "exposure, no heavy physical strain, no sauna. Recovery takes from 3 hours to over a week.\n"
            "Contact the clinic at once if you notice: strong swelling, dark circles under the eyes; itching, "
            "irritation, red spots; a raised temperature with no other cause; scars; excessive dryness.",
        ),
        (
            "Неделю без сауны, солнца, нагрузок, плотных кремов. Отёк, зуд, красные пятна, жар — звоните",
            "A week: no sauna, sun, heavy strain or heavy creams. Swelling, itching, red spots, fever: call",
        ),
    ),
}

# The general aftercare 0005 seeded for both cryomassages: replaced by the scalp's, unless edited since.
GENERAL_AFTERCARE_RU = (
    "В течение недели после сеанса: не пользуйтесь плотной декоративной косметикой и кремами, закупоривающими поры; "
    "избегайте долгого пребывания на солнце, тяжёлых физических нагрузок и сауны. Восстановление занимает от 3 часов "
    "до недели и более.\n"
    "Сразу свяжитесь с клиникой, если появились: сильный отёк, тёмные круги под глазами; зуд, раздражение, красные "
    "пятна; повышение температуры без другой причины; рубцы; чрезмерная сухость кожи."
)
GENERAL_AFTERCARE_EN = (
    "For a week after the session: no heavy decorative cosmetics or pore-clogging creams, no long sun exposure, no "
    "heavy physical strain, no sauna. Recovery takes from 3 hours to over a week.\n"
    "Contact the clinic at once if you notice: strong swelling, dark circles under the eyes; itching, irritation, red "
    "spots; a raised temperature with no other cause; scars; excessive dryness."
)
REPLACEABLE = {"aftercare_ru": ("", GENERAL_AFTERCARE_RU), "aftercare_en": ("", GENERAL_AFTERCARE_EN)}


def seed(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    for slug, (sms_name, preparation, aftercare, aftercare_sms) in TEXTS.items():
        values = {
            "sms_name_ru": sms_name[0], "sms_name_en": sms_name[1],
            "preparation_ru": preparation[0], "preparation_en": preparation[1],
            "aftercare_ru": aftercare[0], "aftercare_en": aftercare[1],
            "aftercare_sms_ru": aftercare_sms[0], "aftercare_sms_en": aftercare_sms[1],
        }
        for field, text in values.items():
            # One UPDATE per field, each only where the field still holds nothing the clinic wrote.
            Procedure.objects.filter(slug=slug, **{f"{field}__in": REPLACEABLE.get(field, ("",))}).update(
                **{field: text}
            )


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0010_seed_contraindication_lists'),
    ]

    operations = [
        migrations.AddField(
            model_name='procedure',
            name='aftercare_sms_en',
            field=models.CharField(blank=True, max_length=100, verbose_name='aftercare by SMS (English)'),
        ),
        migrations.AddField(
            model_name='procedure',
            name='aftercare_sms_ru',
            field=models.CharField(blank=True, help_text="The advice and warning signs in brief; the SMS adds the clinic's name and phone.", max_length=100, verbose_name='aftercare by SMS (Russian)'),
        ),
        migrations.AddField(
            model_name='procedure',
            name='sms_name_en',
            field=models.CharField(blank=True, max_length=30, verbose_name='name in SMS (English)'),
        ),
        migrations.AddField(
            model_name='procedure',
            name='sms_name_ru',
            field=models.CharField(blank=True, help_text='Short: reminders by SMS use it.', max_length=30, verbose_name='name in SMS (Russian)'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
