namespace Vsa.Edge.Configuration.Geometry;

/// <summary>Small dense linear algebra for calibration: a few dozen unknowns at most, solved once per configuration.</summary>
internal static class LinearSolver
{
    /// <summary>
    /// Least-squares solution of the overdetermined system <c>A x ≈ b</c> (<paramref name="a"/> is rows × cols,
    /// row-major) through the normal equations; false when AᵀA is singular relative to its scale, i.e. the
    /// constraints do not pin every unknown down. Callers normalise their data first so that squaring the condition
    /// number stays harmless.
    /// </summary>
    public static bool TryLeastSquares(double[] a, double[] b, int rows, int cols, double[] x)
    {
        var ata = new double[cols * cols];
        var atb = new double[cols];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < cols; i++)
            {
                var ari = a[(r * cols) + i];
                if (ari == 0)
                {
                    continue;
                }

                atb[i] += ari * b[r];
                for (var j = 0; j < cols; j++)
                {
                    ata[(i * cols) + j] += ari * a[(r * cols) + j];
                }
            }
        }

        return TrySolve(ata, atb, cols, x);
    }

    /// <summary>Solves the square system <c>M x = v</c> by Gaussian elimination with partial pivoting (M and v are overwritten).</summary>
    public static bool TrySolve(double[] m, double[] v, int n, double[] x)
    {
        var scale = 0.0;
        foreach (var value in m)
        {
            scale = Math.Max(scale, Math.Abs(value));
        }

        if (scale == 0 || !double.IsFinite(scale))
        {
            return false;
        }

        // A pivot this small next to the largest entry means a (numerically) rank-deficient system.
        var tiny = scale * 1e-12;
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[(r * n) + col]) > Math.Abs(m[(pivot * n) + col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[(pivot * n) + col]) <= tiny)
            {
                return false;
            }

            if (pivot != col)
            {
                for (var j = 0; j < n; j++)
                {
                    (m[(col * n) + j], m[(pivot * n) + j]) = (m[(pivot * n) + j], m[(col * n) + j]);
                }

                (v[col], v[pivot]) = (v[pivot], v[col]);
            }

            for (var r = col + 1; r < n; r++)
            {
                var f = m[(r * n) + col] / m[(col * n) + col];
                if (f == 0)
                {
                    continue;
                }

                for (var j = col; j < n; j++)
                {
                    m[(r * n) + j] -= f * m[(col * n) + j];
                }

                v[r] -= f * v[col];
            }
        }

        for (var r = n - 1; r >= 0; r--)
        {
            var sum = v[r];
            for (var j = r + 1; j < n; j++)
            {
                sum -= m[(r * n) + j] * x[j];
            }

            x[r] = sum / m[(r * n) + r];
        }

        foreach (var value in x)
        {
            if (!double.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
