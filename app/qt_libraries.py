"""Which distribution package ships each system library that Qt's Linux parts load.

Data for the start-up checks (:mod:`app.qt_platform`), used by ``webgen doctor`` and
``webgen --self-test`` alike: when ``ldd`` reports a library as not found, the user is told
the package to install rather than a file name. The libraries are those that PySide6's xcb
and wayland platform plugins and Qt WebEngine link against; Qt bundles the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

LIBRARY_PACKAGES: dict[str, tuple[str, str]] = {
    # The xcb platform plugin (libqxcb.so, libQt6XcbQpa.so.6): the window on X11.
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb-dri3.so.0": ("libxcb-dri3-0", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    # OpenGL, fonts and the desktop bus: every Qt GUI plugin.
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
    "libexpat.so.1": ("libexpat1", "expat"),
    "libz.so.1": ("zlib1g", "zlib"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    # The wayland platform plugin (libqwayland.so): the window on Wayland.
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
    "libwayland-server.so.0": ("libwayland-server0", "libwayland-server"),
    # Qt WebEngine (libQt6WebEngineCore.so.6, QtWebEngineProcess): the preview.
    "libnss3.so": ("libnss3", "nss"),
    "libnssutil3.so": ("libnss3", "nss-util"),
    "libsmime3.so": ("libnss3", "nss"),
    "libnspr4.so": ("libnspr4", "nspr"),
    "libplc4.so": ("libnspr4", "nspr"),
    "libplds4.so": ("libnspr4", "nspr"),
    "libgbm.so.1": ("libgbm1", "mesa-libgbm"),
    "libdrm.so.2": ("libdrm2", "libdrm"),
    "libasound.so.2": ("libasound2", "alsa-lib"),
    "libudev.so.1": ("libudev1", "systemd-libs"),
    "libxkbfile.so.1": ("libxkbfile1", "libxkbfile"),
    "libxshmfence.so.1": ("libxshmfence1", "libxshmfence"),
    "libXcomposite.so.1": ("libxcomposite1", "libXcomposite"),
    "libXdamage.so.1": ("libxdamage1", "libXdamage"),
    "libXext.so.6": ("libxext6", "libXext"),
    "libXfixes.so.3": ("libxfixes3", "libXfixes"),
    "libXrandr.so.2": ("libxrandr2", "libXrandr"),
    "libXrender.so.1": ("libxrender1", "libXrender"),
    "libXtst.so.6": ("libxtst6", "libXtst"),
    "libgssapi_krb5.so.2": ("libgssapi-krb5-2", "krb5-libs"),
}
"""Library file name (its soname) -> (Debian/Ubuntu package, Fedora package)."""

UNKNOWN = "package unknown"


def named(missing: Iterable[str]) -> str:
    """The missing libraries with their Debian/Ubuntu packages, for a check's detail.

    Example: ``libxcb-icccm.so.4 (libxcb-icccm4), libfoo.so.1 (package unknown)``.
    """
    return ", ".join(f"{name} ({LIBRARY_PACKAGES.get(name, (UNKNOWN,))[0]})" for name in missing)


def packages(missing: Iterable[str], distribution: int = 0) -> list[str]:
    """The packages that bring the missing libraries, each once, in the order first needed.

    Args:
        missing: Library file names as the loader reports them.
        distribution: 0 for Debian/Ubuntu, 1 for Fedora.
    """
    found = (LIBRARY_PACKAGES.get(name, ("", ""))[distribution] for name in missing)
    return list(dict.fromkeys(name for name in found if name))


def install_fix(missing: Sequence[str]) -> str:
    """A fix line: one ``apt install`` with exactly the packages needed, Fedora's after it.

    Libraries without a known package are named with a way to find theirs.
    """
    parts = []
    debian, fedora = packages(missing), packages(missing, 1)
    if debian:
        parts.append(f"`apt install {' '.join(debian)}` (Debian/Ubuntu)")
    if fedora:
        parts.append(f"`dnf install {' '.join(fedora)}` (Fedora)")
    unknown = [name for name in missing if name not in LIBRARY_PACKAGES]
    if unknown:
        parts.append(
            f"install the package that provides {', '.join(unknown)} "
            f"(`apt-file search {unknown[0]}`, `dnf provides '*/{unknown[0]}'`)"
        )
    return "; ".join(parts) + ", then start WebGen Studio again"
