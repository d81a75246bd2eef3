using Vsa.Edge.Agent.Core.Detection;

namespace Vsa.Edge.Agent.Core.Tracking;

/// <summary>
/// The SORT/ByteTrack constant-velocity Kalman filter on (cx, cy, aspect, h), with the time step taken from frame
/// timestamps so a dropped frame predicts further.
/// </summary>
/// <remarks>
/// In that filter every matrix (F, Q, H, R and the initial P) only couples a coordinate with its own velocity, so the
/// 8×8 covariance stays block-diagonal and the filter is exactly four independent 2-state filters; storing it that way
/// needs no matrix code and no heap. The noise weights are ByteTrack's, defined per frame at 30 fps; here they are
/// scaled to the actual time step (random-walk variance grows linearly with time) and velocities are per second.
/// </remarks>
internal struct KalmanBoxFilter
{
    private const double ReferenceInterval = 1.0 / 30.0;
    private const double StdPosition = 1.0 / 20.0;
    private const double StdVelocity = 1.0 / 160.0;
    private const double StdAspectPosition = 1e-2;
    private const double StdAspectVelocity = 1e-5;
    private const double StdAspectMeasurement = 1e-1;
    private const double MinSize = 1e-6;

    private Axis _cx;
    private Axis _cy;
    private Axis _aspect;
    private Axis _height;

    /// <summary>Starts the filter on a first measurement, velocities zero and uncertain.</summary>
    public void Initiate(in NormBox box)
    {
        var (cx, cy, a, h) = Measure(box);
        var posVar = Square(2 * StdPosition * h);
        var velVar = Square(10 * StdVelocity * h / ReferenceInterval);
        _cx = new Axis(cx, posVar, velVar);
        _cy = new Axis(cy, posVar, velVar);
        _aspect = new Axis(a, Square(2 * StdAspectPosition), Square(10 * StdAspectVelocity / ReferenceInterval));
        _height = new Axis(h, posVar, velVar);
    }

    /// <summary>Advances the state by <paramref name="dt"/> seconds.</summary>
    /// <param name="dt">Seconds since the last prediction; zero or negative leaves the state unchanged.</param>
    /// <param name="freezeHeight">ByteTrack stops the height velocity of a track that is not currently matched, so an occluded box does not keep growing or shrinking.</param>
    public void Predict(double dt, bool freezeHeight)
    {
        if (freezeHeight)
        {
            _height.V = 0;
        }

        if (dt <= 0)
        {
            return;
        }

        var steps = dt / ReferenceInterval;
        var h = Math.Max(_height.X, MinSize);
        var posQ = Square(StdPosition * h) * steps;
        var velQ = Square(StdVelocity * h / ReferenceInterval) * steps;
        _cx.Predict(dt, posQ, velQ);
        _cy.Predict(dt, posQ, velQ);
        _aspect.Predict(dt, Square(StdAspectPosition) * steps, Square(StdAspectVelocity / ReferenceInterval) * steps);
        _height.Predict(dt, posQ, velQ);
    }

    /// <summary>Corrects the state with a measured box.</summary>
    public void Update(in NormBox box)
    {
        var (cx, cy, a, h) = Measure(box);
        var r = Square(StdPosition * Math.Max(_height.X, MinSize));
        _cx.Update(cx, r);
        _cy.Update(cy, r);
        _aspect.Update(a, Square(StdAspectMeasurement));
        _height.Update(h, r);
    }

    /// <summary>The current state as a box.</summary>
    public readonly NormBox Box
    {
        get
        {
            var h = Math.Max(_height.X, MinSize);
            var w = Math.Max(_aspect.X, MinSize) * h;
            return new NormBox((float)(_cx.X - (w / 2)), (float)(_cy.X - (h / 2)), (float)w, (float)h);
        }
    }

    /// <summary>Estimated velocity of the centre, frame-normalised units per second.</summary>
    public readonly (double X, double Y) CentreVelocity => (_cx.V, _cy.V);

    private static (double Cx, double Cy, double Aspect, double H) Measure(in NormBox box)
    {
        var h = Math.Max((double)box.Height, MinSize);
        return (box.X + (box.Width / 2.0), box.Y + (box.Height / 2.0), box.Width / h, h);
    }

    private static double Square(double v) => v * v;

    /// <summary>One coordinate and its velocity: state (X, V), covariance [[P00, P01], [P01, P11]].</summary>
    private struct Axis(double x, double positionVariance, double velocityVariance)
    {
        public double X = x;
        public double V;
        private double _p00 = positionVariance;
        private double _p01;
        private double _p11 = velocityVariance;

        public void Predict(double dt, double positionNoise, double velocityNoise)
        {
            X += V * dt;
            _p00 += (2 * dt * _p01) + (dt * dt * _p11) + positionNoise;
            _p01 += dt * _p11;
            _p11 += velocityNoise;
        }

        public void Update(double measured, double measurementNoise)
        {
            var s = _p00 + measurementNoise;
            var k0 = _p00 / s;
            var k1 = _p01 / s;
            var innovation = measured - X;
            X += k0 * innovation;
            V += k1 * innovation;
            _p11 -= k1 * _p01;
            _p01 -= k0 * _p01;
            _p00 -= k0 * _p00;
        }
    }
}
