using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Core.Tests.Tracking;

public sealed class KalmanBoxFilterTests
{
    [Theory]
    [InlineData(0.04)]
    [InlineData(0.2)]
    public void Update_ConstantVelocity_EstimatesVelocityPerSecond(double dt)
    {
        // 0.3 frame widths per second whatever the frame rate: the estimate must not depend on frames.
        var filter = default(KalmanBoxFilter);
        filter.Initiate(new NormBox(0.1f, 0.4f, 0.05f, 0.2f));
        for (var k = 1; k <= 40; k++)
        {
            filter.Predict(dt, freezeHeight: false);
            filter.Update(new NormBox((float)(0.1 + (0.3 * k * dt)), 0.4f, 0.05f, 0.2f));
        }

        Assert.Equal(0.3, filter.CentreVelocity.X, 2);
        Assert.Equal(0.0, filter.CentreVelocity.Y, 2);
    }

    [Fact]
    public void Predict_LongerGap_PredictsFurther()
    {
        var filter = default(KalmanBoxFilter);
        filter.Initiate(new NormBox(0.1f, 0.4f, 0.05f, 0.2f));
        for (var k = 1; k <= 20; k++)
        {
            filter.Predict(0.1, freezeHeight: false);
            filter.Update(new NormBox(0.1f + (0.02f * k), 0.4f, 0.05f, 0.2f));
        }

        var oneStep = filter;
        oneStep.Predict(0.1, freezeHeight: false);
        var threeSteps = filter;
        threeSteps.Predict(0.3, freezeHeight: false);

        Assert.Equal(0.02, oneStep.Box.X - filter.Box.X, 3);
        Assert.Equal(0.06, threeSteps.Box.X - filter.Box.X, 3);
    }
}
