namespace Vsa.Edge.Configuration.Tests;

public sealed class CameraNamesValidatorTests
{
    private static readonly CameraConfig Valid = CameraConfigLoader.Parse(CameraConfigLoaderTests.ValidJson);

    [Fact]
    public void Validate_NamesAndTemplate_Accepted()
    {
        var config = Valid with { DisplayName = "Parvis nord", VmsName = "LYON-PARVIS-03", VmsLinkTemplate = "https://vms.ville.fr/replay?cam={vmsName}&t={startUnix}" };

        Assert.Empty(CameraConfigLoader.Validate(config));
    }

    [Theory]
    [InlineData(" ", null, null, "displayName: empty")]
    [InlineData("a\u0007b", null, null, "displayName: contains a control character")]
    [InlineData(null, null, "vms://open?cam={vmsName}", "vmsLinkTemplate: must be an absolute http:// or https:// link")]
    [InlineData(null, null, "https://op:secret@vms.ville.fr/?c={cameraId}", "vmsLinkTemplate: must not carry a user name or password")]
    [InlineData(null, null, "https://vms.ville.fr/?c={camera}", "vmsLinkTemplate: unknown placeholder {camera}")]
    public void Validate_BadNameOrTemplate_ErrorNamesTheField(string? displayName, string? vmsName, string? template, string expected)
    {
        var config = Valid with { DisplayName = displayName, VmsName = vmsName, VmsLinkTemplate = template };

        Assert.Contains(CameraConfigLoader.Validate(config), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_VmsFields_ReadFromTheDocument()
    {
        var json = CameraConfigLoaderTests.ValidJson.Replace("\"cameraId\": \"cam-1\",", "\"cameraId\": \"cam-1\", \"displayName\": \"Parvis nord\", \"vmsName\": \"PARVIS-03\",", StringComparison.Ordinal);

        var config = CameraConfigLoader.Parse(json);

        Assert.Equal(("Parvis nord", "PARVIS-03"), (config.DisplayName, config.VmsName));
    }
}
