using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Evaluation;

namespace Vsa.Edge.FleetManager.Tests.Evaluation;

/// <summary>The pure parts: median, CSV quoting, period parsing.</summary>
public sealed class EvaluationCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(new double[0], null)]
    [InlineData(new[] { 7.0 }, 7.0)]
    [InlineData(new[] { 9.0, 1.0, 5.0 }, 5.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 10.0 }, 3.5)]
    public void Median_Values_MiddleOrMeanOfMiddles(double[] values, double? expected) =>
        Assert.Equal(expected, EvaluationCalculator.Median(values));

    [Theory]
    [InlineData(null, "")]
    [InlineData("cam-1", "cam-1")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Field_Value_QuotedOnlyWhenNeeded(string? value, string expected) =>
        Assert.Equal(expected, EvaluationEndpoints.Field(value));

    [Theory]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+33", "'+33")]
    [InlineData("-cam", "'-cam")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcam", "'\tcam")]
    [InlineData("\rcam", "\"'\rcam\"")]
    [InlineData("cam=1", "cam=1")]
    public void Field_FormulaStart_PrefixedWithQuote(string value, string expected) =>
        Assert.Equal(expected, EvaluationEndpoints.Field(value));

    [Fact]
    public void ToCsv_CameraIdIsAFormula_CellStartsWithQuote()
    {
        var camera = "=HYPERLINK(\"http://x\")";
        var report = EvaluationCalculator.Build(Now, Now.AddDays(1), [new EvaluatedAlert(EventType.Intrusion, "pole-1", camera, Now, true, Now.AddSeconds(30))]);

        var csv = EvaluationEndpoints.ToCsv(report);

        Assert.Contains(",\"'=HYPERLINK(\"\"http://x\"\")\",", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"=HYPERLINK", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DecisionBeforeReceipt_ClampedToZero()
    {
        var alert = new EvaluatedAlert(EventType.Weapon, "d", "c", Now, true, Now.AddSeconds(-5));

        var report = EvaluationCalculator.Build(Now, Now.AddDays(1), [alert]);

        Assert.Equal(0, report.Total.MedianSecondsToDecision);
        Assert.Equal(1, report.Total.Precision);
    }

    [Fact]
    public void TryParsePeriod_Defaults_ThirtyDaysEndingNow()
    {
        Assert.True(EvaluationEndpoints.TryParsePeriod(null, null, Now, out var from, out var to, out _));

        Assert.Equal((Now.AddDays(-30), Now), (from, to));
    }

    [Theory]
    [InlineData("2025-01-01T00:00:00Z", "2026-06-01T00:00:00Z", "from")]
    [InlineData("2025-06-01T00:00:00Z", "2025-06-01T00:00:00Z", "from")]
    [InlineData("not a date", null, "from")]
    public void TryParsePeriod_Bad_NamesTheParameter(string? from, string? to, string field)
    {
        Assert.False(EvaluationEndpoints.TryParsePeriod(from, to, Now, out _, out _, out var errors));

        Assert.Contains(field, errors.Keys);
    }
}
