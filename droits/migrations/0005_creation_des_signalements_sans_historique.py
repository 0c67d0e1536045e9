"""La création d'un signalement (état « nouveau », par la détection) est notée sur le
signalement lui-même (date de repérage) : les lignes d'historique qui la répétaient sont
retirées. Retour arrière : elles sont recréées à la date de repérage."""

from django.db import migrations

RETIRER = (
    "DELETE FROM droits_changementsignalement "
    "WHERE ancien = '' AND nouveau = 'nouveau' AND agent_id IS NULL"
)
RECREER = (
    "INSERT INTO droits_changementsignalement (signalement_id, ancien, nouveau, agent_id, "
    "commentaire, le) SELECT id, '', 'nouveau', NULL, '', cree_le FROM droits_signalement"
)


class Migration(migrations.Migration):
    dependencies = [("droits", "0004_estimations")]

    operations = [migrations.RunSQL(RETIRER, reverse_sql=RECREER)]
