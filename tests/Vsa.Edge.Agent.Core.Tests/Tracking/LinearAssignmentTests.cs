using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Core.Tests.Tracking;

public sealed class LinearAssignmentTests
{
    private const double X = LinearAssignment.Forbidden;

    [Fact]
    public void Solve_GreedyWouldBeWrong_FindsGlobalOptimum()
    {
        // Greedy takes (0,0)=0.1 then must pay (1,1)=0.9; optimum is (0,1)+(1,0) = 0.2 + 0.2.
        double[] cost = [0.1, 0.2, 0.2, 0.9];
        var match = new int[2];

        new LinearAssignment().Solve(cost, 2, 2, match);

        Assert.Equal([1, 0], match);
    }

    [Fact]
    public void Solve_ForbiddenPairs_LeaveRowsUnassigned()
    {
        double[] cost = [0.3, X, X, X, X, X, X, 0.1, X];
        var match = new int[3];

        new LinearAssignment().Solve(cost, 3, 3, match);

        Assert.Equal([0, -1, 1], match);
    }

    [Fact]
    public void Solve_ForbiddenPair_PrefersMoreAllowedPairs()
    {
        // Row 0 can only take column 0; row 1 can take either: both must be matched.
        double[] cost = [0.5, X, 0.1, 0.4];
        var match = new int[2];

        new LinearAssignment().Solve(cost, 2, 2, match);

        Assert.Equal([0, 1], match);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(4, 4)]
    [InlineData(5, 3)]
    [InlineData(6, 2)]
    [InlineData(3, 7)]
    public void Solve_RandomMatrices_MatchesBruteForce(int rows, int columns)
    {
        var random = new Random((rows * 31) + columns);
        var solver = new LinearAssignment();
        for (var trial = 0; trial < 50; trial++)
        {
            var cost = new double[rows * columns];
            for (var i = 0; i < cost.Length; i++)
            {
                cost[i] = random.NextDouble() < 0.25 ? X : Math.Round(random.NextDouble(), 3);
            }

            var match = new int[rows];
            solver.Solve(cost, rows, columns, match);

            Assert.Equal(BruteForce(cost, rows, columns), Score(cost, columns, match), 9);
            Assert.Equal(match.Where(c => c >= 0).Count(), match.Where(c => c >= 0).Distinct().Count());
        }
    }

    /// <summary>Best (most allowed pairs, then least cost) over every injective assignment, as one comparable number.</summary>
    private static double BruteForce(double[] cost, int rows, int columns)
    {
        var best = double.PositiveInfinity;
        var used = new bool[columns];
        void Walk(int row, int pairs, double sum)
        {
            if (row == rows)
            {
                best = Math.Min(best, (-pairs * 1000) + sum);
                return;
            }

            Walk(row + 1, pairs, sum); // leave this row unassigned
            for (var c = 0; c < columns; c++)
            {
                var v = cost[(row * columns) + c];
                if (!used[c] && v < X)
                {
                    used[c] = true;
                    Walk(row + 1, pairs + 1, sum + v);
                    used[c] = false;
                }
            }
        }

        Walk(0, 0, 0);
        return best;
    }

    private static double Score(double[] cost, int columns, int[] match)
    {
        var pairs = 0;
        var sum = 0.0;
        for (var r = 0; r < match.Length; r++)
        {
            if (match[r] >= 0)
            {
                pairs++;
                sum += cost[(r * columns) + match[r]];
            }
        }

        return (-pairs * 1000) + sum;
    }
}
