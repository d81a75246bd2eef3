namespace Vsa.Edge.Agent.Core.Tracking;

/// <summary>
/// Minimum-cost assignment (Hungarian method with potentials, O(n²·m)) on a rectangular matrix, reusing its buffers so
/// that solving problems no larger than before allocates nothing.
/// </summary>
internal sealed class LinearAssignment
{
    /// <summary>Cost of a forbidden pair. Finite so the potentials stay finite; far above any real cost (costs are 1 − IoU ≤ 1).</summary>
    public const double Forbidden = 1e6;

    private double[] _u = [];
    private double[] _v = [];
    private double[] _minv = [];
    private int[] _p = [];
    private int[] _way = [];
    private bool[] _used = [];

    /// <summary>
    /// Assigns rows to columns minimising the total cost; <paramref name="rowToColumn"/>[r] receives the column of row r,
    /// or −1 when the row is unassigned or only a forbidden pair was left for it. Maximises the number of allowed pairs
    /// first (a forbidden pair costs more than any set of allowed ones), then minimises their cost.
    /// </summary>
    /// <param name="cost">Row-major <paramref name="rows"/> × <paramref name="columns"/> costs.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns.</param>
    /// <param name="rowToColumn">Receives the result; at least <paramref name="rows"/> long.</param>
    public void Solve(ReadOnlySpan<double> cost, int rows, int columns, Span<int> rowToColumn)
    {
        rowToColumn[..rows].Fill(-1);
        if (rows == 0 || columns == 0)
        {
            return;
        }

        // The method needs n ≤ m: solve the transposed problem when there are more rows than columns.
        var transposed = rows > columns;
        var n = transposed ? columns : rows;
        var m = transposed ? rows : columns;
        EnsureCapacity(Math.Max(n, m) + 1);
        Array.Clear(_u, 0, n + 1);
        Array.Clear(_v, 0, m + 1);
        Array.Clear(_p, 0, m + 1);

        for (var i = 1; i <= n; i++)
        {
            _p[0] = i;
            var j0 = 0;
            Array.Fill(_minv, double.PositiveInfinity, 0, m + 1);
            Array.Clear(_used, 0, m + 1);
            do
            {
                _used[j0] = true;
                var i0 = _p[j0];
                var delta = double.PositiveInfinity;
                var j1 = 0;
                for (var j = 1; j <= m; j++)
                {
                    if (_used[j])
                    {
                        continue;
                    }

                    var c = transposed ? cost[((j - 1) * columns) + (i0 - 1)] : cost[((i0 - 1) * columns) + (j - 1)];
                    var cur = c - _u[i0] - _v[j];
                    if (cur < _minv[j])
                    {
                        _minv[j] = cur;
                        _way[j] = j0;
                    }

                    if (_minv[j] < delta)
                    {
                        delta = _minv[j];
                        j1 = j;
                    }
                }

                for (var j = 0; j <= m; j++)
                {
                    if (_used[j])
                    {
                        _u[_p[j]] += delta;
                        _v[j] -= delta;
                    }
                    else
                    {
                        _minv[j] -= delta;
                    }
                }

                j0 = j1;
            }
            while (_p[j0] != 0);

            do
            {
                var j1 = _way[j0];
                _p[j0] = _p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }

        for (var j = 1; j <= m; j++)
        {
            if (_p[j] == 0)
            {
                continue;
            }

            var (row, column) = transposed ? (j - 1, _p[j] - 1) : (_p[j] - 1, j - 1);
            if (cost[(row * columns) + column] < Forbidden)
            {
                rowToColumn[row] = column;
            }
        }
    }

    private void EnsureCapacity(int size)
    {
        if (_u.Length >= size)
        {
            return;
        }

        var capacity = Math.Max(size, _u.Length * 2);
        _u = new double[capacity];
        _v = new double[capacity];
        _minv = new double[capacity];
        _p = new int[capacity];
        _way = new int[capacity];
        _used = new bool[capacity];
    }
}
