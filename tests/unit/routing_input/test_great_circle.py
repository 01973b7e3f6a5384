"""The default travel estimate: great-circle distance times circuity, at a mean speed."""

from __future__ import annotations

import pytest

from kulkuri.routing.adapters.matrices import GreatCircleMatrix, MatrixProvider, haversine_m

HELSINKI = (60.1699, 24.9384)
LAHTI = (60.9827, 25.6612)
TAMPERE = (61.4978, 23.7610)


def test_helsinki_to_lahti_is_about_a_hundred_kilometres_as_the_crow_flies() -> None:
    assert haversine_m(HELSINKI, LAHTI) == pytest.approx(100_000, rel=0.03)


async def test_road_distance_is_great_circle_times_circuity_and_duration_follows_speed() -> None:
    matrix = await GreatCircleMatrix(circuity=1.3, speed_kmh=50).matrix([HELSINKI, LAHTI])
    crow = haversine_m(HELSINKI, LAHTI)
    assert matrix.distance_m[0][1] == round(crow * 1.3)
    assert matrix.duration_s[0][1] == round(crow * 1.3 / (50 / 3.6))


async def test_matrix_is_symmetric_with_a_zero_diagonal_in_whole_units() -> None:
    matrix = await GreatCircleMatrix().matrix([HELSINKI, LAHTI, TAMPERE])
    for table in (matrix.distance_m, matrix.duration_s):
        for i in range(3):
            assert table[i][i] == 0
            for j in range(3):
                assert table[i][j] == table[j][i]
                assert isinstance(table[i][j], int)


async def test_a_large_network_gives_the_same_answer_as_a_small_one() -> None:
    # Above a hundred places the work moves to a thread; the numbers must not change.
    places = [(60.0 + i / 100, 25.0 + i / 200) for i in range(120)]
    provider = GreatCircleMatrix()
    big = await provider.matrix(places)
    assert big.size == 120
    assert big.distance_m[3][7] == provider.compute([places[3], places[7]]).distance_m[0][1]


def test_identity_names_the_settings_that_change_answers() -> None:
    assert GreatCircleMatrix(1.3, 50).identity != GreatCircleMatrix(1.2, 50).identity
    assert GreatCircleMatrix(1.3, 50).identity != GreatCircleMatrix(1.3, 60).identity
    assert isinstance(GreatCircleMatrix(), MatrixProvider)


@pytest.mark.parametrize(
    ("circuity", "speed"), [(0.9, 50), (1.3, 0)], ids=["circuity-below-one", "zero-speed"]
)
def test_impossible_settings_are_refused(circuity: float, speed: float) -> None:
    with pytest.raises(ValueError, match=r"circuity|speed"):
        GreatCircleMatrix(circuity=circuity, speed_kmh=speed)
