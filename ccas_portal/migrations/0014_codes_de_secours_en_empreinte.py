"""Les codes de secours déjà produits, gardés en clair par django-otp, remplacés par leur
empreinte (ccas_portal.double_authentification.empreinte_du_code) : ils restent valables."""

from django.db import migrations
from django.utils.crypto import salted_hmac

# Figé ici (une migration ne suit pas le code) : la même empreinte que empreinte_du_code.
SEL = "ccas_portal.double_authentification.codes_de_secours"


def empreinte_du_code(code):
    code = "".join(code.split()).lower()
    return salted_hmac(SEL, code, algorithm="sha256").hexdigest()[:16]


def codes_en_empreinte(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for jeton in StaticToken.objects.all():
        jeton.token = empreinte_du_code(jeton.token)
        jeton.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("ccas_portal", "0013_entonnoir_et_mois_en_cours_agreges"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        # Sans retour : une empreinte ne redonne pas le code.
        migrations.RunPython(codes_en_empreinte, migrations.RunPython.noop, elidable=False),
    ]
