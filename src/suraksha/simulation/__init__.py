"""The city simulator (`suraksha simulate`): a day of a city replayed, faster than real time, through Suraksha's
own services on a scratch copy of the city, to see what response time a fleet keeps (docs/simulation.md).

model.py holds the assumptions and the arithmetic (plain Python); city.py reads the city from the configured
database and builds the scratch database; replay.py drives one day through the services; planner.py runs each fleet
size; report.py prints, writes and plots the figures."""
