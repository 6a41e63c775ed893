"""python-for-android hook (buildozer.spec: p4a.hook): declares androidx's FileProvider in the
rendered AndroidManifest.xml, which p4a's manifest template has no place for inside
<application>. The camera app writes its photo through the content:// URI this provider
gives (mobile/droid.py); its paths are res/xml/doorstep_file_paths.xml (android.res_xml)."""

from pathlib import Path

PROVIDER = """
        <provider android:name="androidx.core.content.FileProvider"
                  android:authorities="{package}.fileprovider"
                  android:exported="false"
                  android:grantUriPermissions="true">
            <meta-data android:name="android.support.FILE_PROVIDER_PATHS"
                       android:resource="@xml/doorstep_file_paths" />
        </provider>
"""


def add_file_provider(manifest: Path, package: str) -> bool:
    """Adds the provider once, just before </application>; False when it was there already."""
    text = manifest.read_text(encoding="utf-8")
    if "androidx.core.content.FileProvider" in text:
        return False
    head, closing, tail = text.rpartition("</application>")
    if not closing:
        raise RuntimeError(f"{manifest} has no </application>")
    manifest.write_text(head + PROVIDER.format(package=package) + closing + tail, "utf-8")
    return True


def after_apk_build(toolchain) -> None:
    """Runs in the distribution's folder once the manifest is rendered, before gradle."""
    package = toolchain.args.package
    for name in ("src/main/AndroidManifest.xml", "AndroidManifest.xml"):
        if Path(name).exists():
            add_file_provider(Path(name), package)
