"""The clinic's aftercare instructions and warning signs for cryomassage (DOMAIN.md), as data."""

from django.db import migrations

RU = (
    "В течение недели после сеанса: не пользуйтесь плотной декоративной косметикой и кремами, закупоривающими поры; "
    "избегайте долгого пребывания на солнце, тяжёлых физических нагрузок и сауны. Восстановление занимает от 3 часов "
    "до недели и более.\n"
    "Сразу свяжитесь с клиникой, если появились: сильный отёк, тёмные круги под глазами; зуд, раздражение, красные "
    "пятна; повышение температуры без другой причины; рубцы; чрезмерная сухость кожи."
)
EN = (
    "For a week after the session: no heavy decorative cosmetics or pore-clogging creams, no long sun exposure, no "
    "heavy physical strain, no sauna. Recovery takes from 3 hours to over a week.\n"
    "Contact the clinic at once if you notice: strong swelling, dark circles under the eyes; itching, irritation, red "
    "spots; a raised temperature with no other cause; scars; excessive dryness."
)


def seed(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    Procedure.objects.filter(slug__in=["cryomassage-contact", "cryomassage-aero"], aftercare_ru="").update(
        aftercare_ru=RU, aftercare_en=EN)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0004_procedure_aftercare")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
