from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from academy.notifications.services import register_calendar_source
        from academy.people.services import register_exam_room_check

        from .models import Sitting
        from .selectors import address_in_exam_room, exam_events, exam_room_forget

        register_exam_room_check(address_in_exam_room)
        register_calendar_source(exam_events)

        def forget_rooms(sender, **kwargs) -> None:
            # Now for this process, and after the commit for any that re-read it meanwhile.
            exam_room_forget()
            transaction.on_commit(exam_room_forget)

        post_save.connect(forget_rooms, sender=Sitting, dispatch_uid="exams-rooms-save",
                          weak=False)
        post_delete.connect(forget_rooms, sender=Sitting, dispatch_uid="exams-rooms-delete",
                            weak=False)
