"""A running count of each broker's completed published lessons per course, kept by triggers.

The reminder sweeps compare it with the course's published lessons for every enrolment each
morning. Triggers keep it in the database itself, so that every writer (the study service, the
admin, a bulk import, a raw UPDATE) keeps it true: a completion counts once a lesson is
published, and unpublishing a lesson or moving it (or its module) to another course moves its
completions with it. The count is filled from the progress as it stands.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# PostgreSQL: one function adds a delta to a (broker, lesson's course) pair when the lesson is
# published; row triggers on progress call it, and statement-sized updates move a lesson's or a
# module's completions when it is unpublished, published or moved.
POSTGRES_FORWARD = """
CREATE FUNCTION courses_completed_add(p_user bigint, p_lesson bigint, p_delta integer)
RETURNS void AS $$
DECLARE
    v_course bigint;
BEGIN
    SELECT m.course_id INTO v_course
      FROM courses_lesson l JOIN courses_module m ON m.id = l.module_id
     WHERE l.id = p_lesson AND l.is_published;
    IF v_course IS NULL THEN
        RETURN;
    END IF;
    IF p_delta < 0 THEN
        -- Not an upsert: the row's check (never below zero) applies to the row proposed for
        -- insertion before the conflict is seen.
        UPDATE courses_completedlessons SET completed = completed + p_delta
         WHERE user_id = p_user AND course_id = v_course;
        RETURN;
    END IF;
    INSERT INTO courses_completedlessons (user_id, course_id, completed)
    VALUES (p_user, v_course, p_delta)
    ON CONFLICT (user_id, course_id)
    DO UPDATE SET completed = courses_completedlessons.completed + EXCLUDED.completed;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION courses_progress_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.completed_at IS NOT NULL THEN
        PERFORM courses_completed_add(OLD.user_id, OLD.lesson_id, -1);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.completed_at IS NOT NULL THEN
        PERFORM courses_completed_add(NEW.user_id, NEW.lesson_id, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER courses_progress_counted_insert AFTER INSERT ON courses_lessonprogress
    FOR EACH ROW WHEN (NEW.completed_at IS NOT NULL)
    EXECUTE FUNCTION courses_progress_counted();
CREATE TRIGGER courses_progress_counted_delete AFTER DELETE ON courses_lessonprogress
    FOR EACH ROW WHEN (OLD.completed_at IS NOT NULL)
    EXECUTE FUNCTION courses_progress_counted();
CREATE TRIGGER courses_progress_counted_update AFTER UPDATE ON courses_lessonprogress
    FOR EACH ROW WHEN ((OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL)
                       OR OLD.lesson_id <> NEW.lesson_id OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION courses_progress_counted();

-- Move the completed progress of the lessons in ``p_lessons`` from one course to another
-- (either may be NULL: not counted there).
CREATE FUNCTION courses_completed_move(p_lessons bigint[], p_from bigint, p_to bigint)
RETURNS void AS $$
BEGIN
    IF p_from IS NOT DISTINCT FROM p_to THEN
        RETURN;
    END IF;
    IF p_from IS NOT NULL THEN
        UPDATE courses_completedlessons c SET completed = c.completed - p.n
          FROM (SELECT user_id, COUNT(*) AS n FROM courses_lessonprogress
                 WHERE lesson_id = ANY (p_lessons) AND completed_at IS NOT NULL
                 GROUP BY user_id) p
         WHERE c.user_id = p.user_id AND c.course_id = p_from;
    END IF;
    IF p_to IS NOT NULL THEN
        INSERT INTO courses_completedlessons (user_id, course_id, completed)
        SELECT user_id, p_to, COUNT(*) FROM courses_lessonprogress
         WHERE lesson_id = ANY (p_lessons) AND completed_at IS NOT NULL
         GROUP BY user_id
        ON CONFLICT (user_id, course_id)
        DO UPDATE SET completed = courses_completedlessons.completed + EXCLUDED.completed;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION courses_lesson_counted() RETURNS trigger AS $$
BEGIN
    PERFORM courses_completed_move(
        ARRAY[NEW.id],
        CASE WHEN OLD.is_published
             THEN (SELECT course_id FROM courses_module WHERE id = OLD.module_id) END,
        CASE WHEN NEW.is_published
             THEN (SELECT course_id FROM courses_module WHERE id = NEW.module_id) END);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER courses_lesson_counted AFTER UPDATE ON courses_lesson
    FOR EACH ROW WHEN (OLD.is_published <> NEW.is_published OR OLD.module_id <> NEW.module_id)
    EXECUTE FUNCTION courses_lesson_counted();

CREATE FUNCTION courses_module_counted() RETURNS trigger AS $$
BEGIN
    PERFORM courses_completed_move(
        ARRAY(SELECT id FROM courses_lesson WHERE module_id = NEW.id AND is_published),
        OLD.course_id, NEW.course_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER courses_module_counted AFTER UPDATE ON courses_module
    FOR EACH ROW WHEN (OLD.course_id <> NEW.course_id)
    EXECUTE FUNCTION courses_module_counted();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS courses_module_counted ON courses_module;
DROP TRIGGER IF EXISTS courses_lesson_counted ON courses_lesson;
DROP TRIGGER IF EXISTS courses_progress_counted_update ON courses_lessonprogress;
DROP TRIGGER IF EXISTS courses_progress_counted_delete ON courses_lessonprogress;
DROP TRIGGER IF EXISTS courses_progress_counted_insert ON courses_lessonprogress;
DROP FUNCTION IF EXISTS courses_module_counted();
DROP FUNCTION IF EXISTS courses_lesson_counted();
DROP FUNCTION IF EXISTS courses_completed_move(bigint[], bigint, bigint);
DROP FUNCTION IF EXISTS courses_progress_counted();
DROP FUNCTION IF EXISTS courses_completed_add(bigint, bigint, integer);
"""

# SQLite: the same rules as trigger bodies of plain statements. An INSERT ... SELECT with an
# upsert clause needs a WHERE in its SELECT (each has one), so that ON CONFLICT is not read as
# a join's constraint. A lesson or module moved within its course takes its completions out
# and puts them back.
_SQLITE_COURSE_OF = """(SELECT m.course_id FROM courses_lesson l JOIN courses_module m
                          ON m.id = l.module_id WHERE l.id = {row}.lesson_id AND l.is_published)"""
_SQLITE_ADD = """
    INSERT INTO courses_completedlessons (user_id, course_id, completed)
    SELECT NEW.user_id, m.course_id, 1 FROM courses_lesson l, courses_module m
     WHERE l.id = NEW.lesson_id AND l.is_published AND m.id = l.module_id
    ON CONFLICT (user_id, course_id) DO UPDATE SET completed = completed + 1;"""
_SQLITE_TAKE = f"""
    UPDATE courses_completedlessons SET completed = completed - 1
     WHERE user_id = OLD.user_id AND course_id = {_SQLITE_COURSE_OF.format(row="OLD")};"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER courses_progress_counted_insert AFTER INSERT ON courses_lessonprogress
        WHEN NEW.completed_at IS NOT NULL BEGIN {_SQLITE_ADD} END;""",
    f"""CREATE TRIGGER courses_progress_counted_delete AFTER DELETE ON courses_lessonprogress
        WHEN OLD.completed_at IS NOT NULL BEGIN {_SQLITE_TAKE} END;""",
    f"""CREATE TRIGGER courses_progress_counted_update AFTER UPDATE ON courses_lessonprogress
        WHEN (OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL)
             OR OLD.lesson_id <> NEW.lesson_id OR OLD.user_id <> NEW.user_id
        BEGIN
            {_SQLITE_TAKE.replace("WHERE user_id", "WHERE OLD.completed_at IS NOT NULL AND user_id")}
            {_SQLITE_ADD.replace("WHERE l.id", "WHERE NEW.completed_at IS NOT NULL AND l.id")}
        END;""",
    """CREATE TRIGGER courses_lesson_counted AFTER UPDATE ON courses_lesson
        WHEN OLD.is_published <> NEW.is_published OR OLD.module_id <> NEW.module_id
        BEGIN
            UPDATE courses_completedlessons SET completed = completed - 1
             WHERE OLD.is_published
               AND course_id = (SELECT course_id FROM courses_module WHERE id = OLD.module_id)
               AND user_id IN (SELECT user_id FROM courses_lessonprogress
                                WHERE lesson_id = OLD.id AND completed_at IS NOT NULL);
            INSERT INTO courses_completedlessons (user_id, course_id, completed)
            SELECT p.user_id, m.course_id, 1 FROM courses_lessonprogress p, courses_module m
             WHERE NEW.is_published AND m.id = NEW.module_id AND p.lesson_id = NEW.id
               AND p.completed_at IS NOT NULL
            ON CONFLICT (user_id, course_id) DO UPDATE SET completed = completed + 1;
        END;""",
    """CREATE TRIGGER courses_module_counted AFTER UPDATE ON courses_module
        WHEN OLD.course_id <> NEW.course_id
        BEGIN
            UPDATE courses_completedlessons
               SET completed = completed - (
                   SELECT COUNT(*) FROM courses_lessonprogress p JOIN courses_lesson l
                       ON l.id = p.lesson_id
                    WHERE l.module_id = NEW.id AND l.is_published AND p.completed_at IS NOT NULL
                      AND p.user_id = courses_completedlessons.user_id)
             WHERE course_id = OLD.course_id;
            INSERT INTO courses_completedlessons (user_id, course_id, completed)
            SELECT p.user_id, NEW.course_id, COUNT(*) FROM courses_lessonprogress p
              JOIN courses_lesson l ON l.id = p.lesson_id
             WHERE l.module_id = NEW.id AND l.is_published AND p.completed_at IS NOT NULL
             GROUP BY p.user_id
            ON CONFLICT (user_id, course_id) DO UPDATE SET completed = completed + excluded.completed;
        END;""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name};" for name in (
        "courses_module_counted", "courses_lesson_counted", "courses_progress_counted_update",
        "courses_progress_counted_delete", "courses_progress_counted_insert")
]

FILL = """
INSERT INTO courses_completedlessons (user_id, course_id, completed)
SELECT p.user_id, m.course_id, COUNT(*)
  FROM courses_lessonprogress p
  JOIN courses_lesson l ON l.id = p.lesson_id
  JOIN courses_module m ON m.id = l.module_id
 WHERE p.completed_at IS NOT NULL AND l.is_published
 GROUP BY p.user_id, m.course_id
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"courses' completion triggers: no SQL for {vendor}")
    schema_editor.execute(FILL)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0005_hours_help_without_demo_note'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CompletedLessons',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('completed', models.PositiveIntegerField(default=0, verbose_name='published lessons completed')),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.course', verbose_name='course')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='broker')),
            ],
            options={
                'verbose_name': 'completed lessons of a course',
                'verbose_name_plural': 'completed lessons of courses',
                'constraints': [models.UniqueConstraint(fields=('user', 'course'), name='courses_completedlessons_unique')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
