"""Listings 9 and 10: a work chain outline with a while loop and if/elif/else blocks."""

from graphflow import WorkChain, if_, while_


class FizzBuzzWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(
            cls.initialize_to_zero,
            while_(cls.is_less_than_or_equal_to_hundred)(
                if_(cls.is_multiple_of_three_and_five)(
                    cls.report_fizz_buzz,
                )
                .elif_(cls.is_multiple_of_three)(
                    cls.report_fizz,
                )
                .elif_(cls.is_multiple_of_five)(
                    cls.report_buzz,
                )
                .else_(
                    cls.report_n,
                ),
                cls.increment_by_one,
            ),
        )

    def initialize_to_zero(self):
        self.ctx.n = 0

    def is_less_than_or_equal_to_hundred(self):
        return self.ctx.n <= 100

    def is_multiple_of_three_and_five(self):
        return self.ctx.n % 3 == 0 and self.ctx.n % 5 == 0

    def is_multiple_of_three(self):
        return self.ctx.n % 3 == 0

    def is_multiple_of_five(self):
        return self.ctx.n % 5 == 0

    def report_fizz_buzz(self):
        self.report("fizzbuzz")

    def report_fizz(self):
        self.report("fizz")

    def report_buzz(self):
        self.report("buzz")

    def report_n(self):
        self.report(str(self.ctx.n))

    def increment_by_one(self):
        self.ctx.n += 1


if __name__ == "__main__":
    from graphflow import run_get_node

    _, node = run_get_node(FizzBuzzWorkChain)
    print(f"{node.process_label} pk {node.pk}: {node.process_state.value}")
    print(f"see its reports with: graphflow process report {node.pk}")
