"""A minimal Streamlit script for tests/test_images_browser.py: the digits map with hover images.

It wires :data:`embedlab.views.images.HOVER_ATTACH_JS` the way a page does: ``st.plotly_chart`` with a key
(selection events kept) plus an ``st.components.v2`` component that shows the hovered point's sprite tile.
"""

import pandas as pd
import streamlit as st

from embedlab.sources.images import sample_imageset
from embedlab.train.image_pca import PCAFit
from embedlab.views import images as vi
from embedlab.views.scatter import scatter_figure

digits = sample_imageset("digits")
xy = PCAFit(2).fit(digits.features()).transform(digits.features())
frame = pd.DataFrame({"word": digits.ids, "label": digits.labels, "x": xy[:, 0], "y": xy[:, 1]})
fig = scatter_figure(frame, colour=digits.labels)
if st.checkbox("Thumbnails at the points"):
    st.caption(vi.add_point_thumbnails(fig, frame, digits))
st.plotly_chart(fig, key="map", on_select="rerun")
hover = st.components.v2.component("embedlab_hover_images", js=vi.HOVER_ATTACH_JS)
hover(data=vi.hover_attach_data(frame, digits, "map"), key="map-hover")
st.write("map ready")
