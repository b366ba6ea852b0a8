"""The chaos run: API clients write on both hosts while a seeded nemesis makes the lab's faults;
a checker then reads every acknowledged write back and checks that the hosts converged.

    run.py       the clients and the nemesis, and the history they leave
    checker.py   what became of every operation, and whether the hosts agree
    timeline.py  the run as a picture: faults above, each client's operations below

`make chaos` runs it for ten minutes (bench/chaos.py); a short seeded run is a lab test in
chapter 2 (chapters/02-multi-master/tests/test_chaos.py).
"""
