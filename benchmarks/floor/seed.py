"""Create the floor's table in a fresh SQLite file and fill it: `python -m floor.seed PATH ROWS`."""

import sqlite3
import sys


def seed(path: str, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE floor_card (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255) NOT NULL,"
                   " description TEXT NOT NULL, tags VARCHAR(255) NOT NULL)")
        db.execute("CREATE INDEX floor_card_name ON floor_card (name)")
        db.executemany("INSERT INTO floor_card (name, description, tags) VALUES (?, ?, ?)",
                       ((f"Product {i:05d}", f"What product {i} does, in a sentence or two of plain words.",
                         f"tag{i % 5} tag{i % 7}") for i in range(rows)))
    db.close()


if __name__ == "__main__":
    seed(sys.argv[1], int(sys.argv[2]))
