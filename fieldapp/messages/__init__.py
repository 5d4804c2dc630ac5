"""Messages to families: texts in the family's language, ready to send from the visitor's phone,
worded by each school's coordinators."""
