"""EduWorld: a classroom app. A teacher prepares lessons and steers the classroom's board."""
