namespace Vsa.Edge.Configuration.Tests;

/// <summary>The camera's public name and place: optional, plain text of at most 120 characters, as the public register shows them.</summary>
public sealed class CameraPublicInfoTests
{
    private static readonly CameraConfig Valid = CameraConfigLoader.Parse(CameraConfigLoaderTests.ValidJson);

    [Fact]
    public void Validate_AbsentOrPlainTextAtTheLimit_Accepted()
    {
        var errors = new List<string>();

        CameraPublicInfo.Validate(Valid with { PublicName = null, Place = null }, errors);
        CameraPublicInfo.Validate(Valid with { PublicName = "Parvis de la gare", Place = new string('é', CameraPublicInfo.MaxLength) }, errors);

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData(" ", null, "publicName: empty")]
    [InlineData(null, "", "place: empty")]
    [InlineData("Parvis\nnord", null, "publicName: contains a control character")]
    [InlineData(null, "Place\tBellecour", "place: contains a control character")]
    public void Validate_BlankOrControlCharacter_ErrorNamesTheField(string? publicName, string? place, string expected)
    {
        var errors = new List<string>();

        CameraPublicInfo.Validate(Valid with { PublicName = publicName, Place = place }, errors);

        Assert.StartsWith(expected, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BothTooLong_OneErrorEachWithTheLength()
    {
        var errors = new List<string>();

        CameraPublicInfo.Validate(Valid with { PublicName = new string('a', 121), Place = new string('b', 200) }, errors);

        Assert.Equal(["publicName: 121 characters, at most 120", "place: 200 characters, at most 120"], errors);
    }

    [Fact]
    public void Validate_ThroughTheLoader_ReportedWithTheOtherErrors()
    {
        Assert.Contains(CameraConfigLoader.Validate(Valid with { Place = "a\u0007b" }), e => e.StartsWith("place: contains a control character", StringComparison.Ordinal));
    }
}
