"""Who lives in the demo district: family names and first names by home language, and its
streets (``bench/district.py`` draws its larger district from them too)."""

SURNAMES = {
    "en": [
        "Johnson",
        "Williams",
        "Brown",
        "Davis",
        "Miller",
        "Wilson",
        "Taylor",
        "Anderson",
        "Jackson",
        "White",
        "Harris",
        "Thompson",
        "Robinson",
        "Clark",
        "Lewis",
        "Walker",
    ],
    "es": [
        "García",
        "Hernández",
        "López",
        "Martínez",
        "Rodríguez",
        "Flores",
        "Ramírez",
        "Torres",
        "Morales",
        "Reyes",
        "Cruz",
        "Ortiz",
    ],
    "vi": ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"],
    "so": ["Abdi", "Hassan", "Mohamed", "Warsame"],
}
CHILDREN = {
    "en": ["Ava", "Liam", "Maya", "Noah", "Zoe", "Eli", "Nora", "Owen", "Ruby", "Jack"],
    "es": ["Sofía", "Mateo", "Valentina", "Diego", "Camila", "Santiago", "Lucía", "Emiliano"],
    "vi": ["Minh", "Linh", "An", "Bao", "Thu", "Khoa"],
    "so": ["Amina", "Hodan", "Yusuf", "Ayaan", "Farhan"],
}
ADULTS = {
    "en": ["Karen", "Michael", "Jessica", "David", "Ashley", "Chris"],
    "es": ["María", "José", "Guadalupe", "Juan", "Rosa", "Luis"],
    "vi": ["Hoa", "Tuan", "Mai", "Dung"],
    "so": ["Fadumo", "Abdullahi", "Khadra", "Ahmed"],
}
STREETS = [
    "Alder St",
    "Fruitvale Ave",
    "International Blvd",
    "Maple Ct",
    "E 14th St",
    "Foothill Blvd",
    "Harrison St",
    "Seminary Ave",
]
